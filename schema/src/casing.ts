// Providers present the kebab-case model in their own conventions: Pulumi in
// camelCase (restartPolicy), Terraform in snake_case (restart_policy). Keys of
// the data maps (environment variables, expose service names) are user data
// and keep their spelling.

export type Casing = 'camel' | 'snake';

/** Fields whose object keys are user data, not field names. */
const DATA_MAPS = new Set(['environment', 'expose']);

function fromKebab(key: string, casing: Casing): string {
  return casing === 'camel' ? key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) : key.replace(/-/g, '_');
}

function toKebab(key: string, casing: Casing): string {
  return casing === 'camel' ? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) : key.replace(/_/g, '-');
}

function convert(value: unknown, rename: (key: string) => string, dataMap: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => convert(v, rename, false));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    const name = dataMap ? key : rename(key);
    // Values of a data map are field objects again (expose.<key>.port), except environment's strings.
    out[name] = convert(inner, rename, !dataMap && DATA_MAPS.has(name) ? true : false);
  }
  return out;
}

/** `{"restart-policy": ...}` -> `{restartPolicy: ...}` or `{restart_policy: ...}`. */
export function toCasing(value: unknown, casing: Casing): unknown {
  return convert(value, (k) => fromKebab(k, casing), false);
}

/** The inverse of toCasing. */
export function fromCasing(value: unknown, casing: Casing): unknown {
  return convert(value, (k) => toKebab(k, casing), false);
}
