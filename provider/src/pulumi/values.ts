// Property values as the Pulumi engine sends them inside google.protobuf.Struct:
// unknowns (during preview) are a sentinel string, secrets (once Configure
// said we accept them) are a signed wrapper object. Handlers work on plain
// values and carry the secret/unknown paths beside them, so secrets can be
// re-wrapped on the way out and unknowns never reach validation or the runtime.
import { Struct } from 'google-protobuf/google/protobuf/struct_pb';

/** The engine's marker for a value that is not known yet (preview). */
export const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';
/** Key and value that mark an object as a special Pulumi value. */
export const SIG_KEY = '4dabf18193072939515e22adb298388d';
export const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
export type PropertyPath = (string | number)[];

/** Plain values plus where the secrets and unknowns were. */
export interface Decoded {
  value: JsonObject;
  secrets: PropertyPath[];
  unknowns: PropertyPath[];
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSecret(v: unknown): v is { value: Json } {
  return isObject(v) && v[SIG_KEY] === SECRET_SIG;
}

/** Unwraps secrets (recording their paths) and records unknowns, which stay as the sentinel. */
export function decode(value: unknown): Decoded {
  const secrets: PropertyPath[] = [];
  const unknowns: PropertyPath[] = [];
  const walk = (v: unknown, path: PropertyPath): Json => {
    if (isSecret(v)) {
      secrets.push(path);
      return walk(v.value ?? null, path);
    }
    if (v === UNKNOWN) {
      unknowns.push(path);
      return UNKNOWN;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (isObject(v)) {
      const out: JsonObject = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = walk(x, [...path, k]);
      return out;
    }
    return (v ?? null) as Json;
  };
  const root = walk(value ?? {}, []);
  return { value: isObject(root) ? root : {}, secrets, unknowns };
}

export function fromStruct(struct: Struct | undefined): Decoded {
  return decode(struct ? struct.toJavaScript() : {});
}

export function secret(value: Json): JsonObject {
  return { [SIG_KEY]: SECRET_SIG, value };
}

/** Wraps the values at `paths` (where they exist) as secrets; an ancestor's wrapping covers its children. */
export function wrapSecrets(value: JsonObject, paths: PropertyPath[]): JsonObject {
  const sorted = [...paths].sort((a, b) => a.length - b.length);
  const wrapped: PropertyPath[] = [];
  const out: Json = clone(value);
  for (const path of sorted) {
    if (wrapped.some((w) => isPrefix(w, path))) continue;
    if (path.length === 0) return secret(out);
    const parent = getPath(out, path.slice(0, -1));
    const key = path[path.length - 1];
    if (Array.isArray(parent) && typeof key === 'number' && key < parent.length) parent[key] = secret(parent[key]);
    else if (isObject(parent) && typeof key === 'string' && key in parent) parent[key] = secret(parent[key]);
    else continue;
    wrapped.push(path);
  }
  return out;
}

export function toStruct(value: JsonObject): Struct {
  return Struct.fromJavaScript(value);
}

export function getPath(value: Json | undefined, path: PropertyPath): Json | undefined {
  let cur: Json | undefined = value;
  for (const part of path) {
    if (Array.isArray(cur) && typeof part === 'number') cur = cur[part];
    else if (isObject(cur)) cur = cur[String(part)];
    else return undefined;
  }
  return cur;
}

export function isPrefix(prefix: PropertyPath, path: PropertyPath): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => String(p) === String(path[i]));
}

/** True when the value holds an unknown anywhere. */
export function containsUnknown(value: Json | undefined): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (isObject(value)) return Object.values(value).some(containsUnknown);
  return false;
}

export function clone<T extends Json>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * A property path in Pulumi's syntax, as used in CheckFailure.property and
 * detailedDiff keys: `mode.flash.timeout`, `volumes[0].path`, `environment["A.B"]`.
 */
export function formatPropertyPath(path: PropertyPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}
