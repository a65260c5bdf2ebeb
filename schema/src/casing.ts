// The one place names change case. Providers present the kebab-case model in
// their own conventions: Pulumi in camelCase (restartPolicy), Terraform in
// snake_case (restart_policy). Keys of the data maps (environment variables,
// expose service names) are user data and keep their spelling.

export type Casing = 'camel' | 'snake';

/** Fields whose object keys are user data, not field names. */
const DATA_MAPS = new Set(['environment', 'expose']);

/**
 * Fields a front end spells differently: `depends_on` is a Terraform
 * meta-argument and `dependsOn` a resource option of every Pulumi SDK.
 */
const RESERVED: Record<string, string> = { 'depends-on': 'depends-on-apps' };
const RESERVED_BACK: Record<string, string> = Object.fromEntries(Object.entries(RESERVED).map(([k, v]) => [v, k]));

/** Whether the keys of a field's object are user data (environment variables, service names). */
export function isDataMap(field: string): boolean {
  return DATA_MAPS.has(field);
}

/** restart-policy -> restartPolicy or restart_policy. */
export function fromKebab(key: string, casing: Casing): string {
  return casing === 'camel' ? key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) : key.replace(/-/g, '_');
}

/** The inverse of fromKebab. */
export function toKebab(key: string, casing: Casing): string {
  return casing === 'camel' ? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) : key.replace(/_/g, '-');
}

/** restartPolicy -> restart_policy (CDKTF props to terraform attributes). */
export function camelToSnake(key: string): string {
  return fromKebab(toKebab(key, 'camel'), 'snake');
}

/** A field's name in a front end: depends-on -> dependsOnApps or depends_on_apps. */
export function frontEndName(field: string, casing: Casing): string {
  return fromKebab(RESERVED[field] ?? field, casing);
}

/** The inverse of frontEndName: dependsOnApps -> depends-on. */
export function fieldName(name: string, casing: Casing): string {
  const kebab = toKebab(name, casing);
  return RESERVED_BACK[kebab] ?? kebab;
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

/** `{"restart-policy": ...}` -> `{restartPolicy: ...}` or `{restart_policy: ...}` (model names, no front-end renames). */
export function toCasing(value: unknown, casing: Casing): unknown {
  return convert(value, (k) => fromKebab(k, casing), false);
}

/** The inverse of toCasing. */
export function fromCasing(value: unknown, casing: Casing): unknown {
  return convert(value, (k) => toKebab(k, casing), false);
}
