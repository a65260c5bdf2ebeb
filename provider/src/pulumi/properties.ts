// Property names and paths: the Pulumi resources' camelCase against the
// shared model's kebab-case, and failures that name the property.
import { fieldName, fromCasing, fromKebab, frontEndName, isDataMap, toKebab } from '../../../schema/src/casing';
import { resourceFields, type ResourceKind } from '../../../schema/src/fields';
import type { Normalised } from '../../../schema/src/normalize';
import type { Issue } from '../../../schema/src/schema';
import { formatPropertyPath, type JsonObject, type PropertyPath } from './values';

/** A failure tied to one input property (CheckFailure, InputPropertiesError). */
export interface PropertyFailure {
  property: string;
  reason: string;
}

/** A resource's input properties, in schema order: one per field of its JSON Schema. */
export function inputProperties(kind: ResourceKind): readonly string[] {
  return resourceFields(kind).map((f) => frontEndName(f.key, 'camel'));
}

/** Inputs secret whatever the program says: the `x-secret` fields. */
export function secretProperties(kind: ResourceKind): PropertyPath[] {
  return resourceFields(kind)
    .filter((f) => f.secret)
    .map((f) => [frontEndName(f.key, 'camel')]);
}

/** Identity properties: a change replaces the resource, deleting first. */
export const IDENTITY: readonly string[] = ['name', 'namespace'];

/** Kebab-case property path of the model -> camelCase path of the Pulumi resource. */
export function toPulumiPath(path: (string | number)[]): PropertyPath {
  const out: PropertyPath = [];
  let dataNext = false;
  for (const part of path) {
    const s = String(part);
    if (/^\d+$/.test(s)) {
      out.push(Number(s));
      continue;
    }
    const name: string = dataNext ? s : frontEndName(s, 'camel');
    // Only the key right below a data map is data; the fields below it are names again.
    dataNext = !dataNext && isDataMap(s) && out.length === 0;
    out.push(name);
  }
  return out;
}

/** Top-level Pulumi inputs -> the camelCase the shared casing helpers expect (dependsOnApps -> dependsOn). */
export function toModelCamel(inputs: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(inputs)) out[fromKebab(fieldName(key, 'camel'), 'camel')] = value;
  return out;
}

/** The shared casing's camelCase -> Pulumi names (dependsOn -> dependsOnApps). */
export function fromModelCamel(props: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(props)) out[frontEndName(toKebab(key, 'camel'), 'camel')] = value;
  return out;
}

/** Validates and normalises camelCase inputs with a model normaliser; issue paths come back in camelCase. */
export function normalise<S>(inputs: JsonObject, normaliser: (body: unknown) => Normalised<S>): Normalised<S> {
  const result = normaliser(fromCasing(toModelCamel(inputs), 'camel'));
  if (result.ok) return result;
  return { ok: false, issues: result.issues.map((i): Issue => ({ ...i, path: toPulumiPath(i.path) })) };
}

/** The input properties of a property bag (drops computed outputs and anything the type does not have). */
export function pickInputs(keys: readonly string[], props: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of keys) if (props[key] !== undefined && props[key] !== null) out[key] = props[key];
  return out;
}

/** A failure for an issue with a camelCase path; the reason starts with the path. */
export function failureOf(issue: Issue): PropertyFailure {
  const property = formatPropertyPath(issue.path);
  return { property, reason: `${property || 'resource'} ${issue.message}` };
}
