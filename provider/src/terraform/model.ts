// Terraform values and the shared model, by the same walk of the schema's
// fields as schema-gen.ts: the model body of a terraform value, a model spec
// back in terraform's form, issue paths as attribute paths, and the defaults
// a plan fills in. A field added to the JSON Schema needs no code here.
import { equal } from '../../../schema/src/diff';
import { fromKebab } from '../../../schema/src/casing';
import { childFields, resourceFields, type Field, type ResourceKind, type Shape } from '../../../schema/src/fields';
import { formatSize } from '../../../schema/src/size';
import { isObject, isUnknown, type CtyObject, type CtyValue } from './cty';
import type { AttributePath, PathStep } from './diagnostics';
import { BodyReader } from './resource';
import { attributeName, isComputed, isStringUnion, ruleOf, valueVariants } from './schema-gen';

type Path = (string | number)[];
type Json = Record<string, unknown>;

/** Attributes whose change replaces the resource: the schema's `x-on-change: replace` (name, namespace). */
export function replacingAttributes(kind: ResourceKind, fields = resourceFields(kind)): string[] {
  return fields.filter((f) => f.onChange === 'replace').map(attributeName);
}

/** The attributes of an `x-secret` map that has a split (environment, secret_environment, secret_environment_wo). */
export function splitAttributes(kind: ResourceKind, field: Field): string[] {
  const split = ruleOf(kind, field).secretSplit;
  return split ? [attributeName(field), split.secret.name, split.writeOnly.name] : [attributeName(field)];
}

/** "nth-listen:2" -> {"nth-listen": 2}; anything else goes to the schema as written (which names what is wrong). */
function parseKeyed(text: string, shape: Extract<Shape, { kind: 'union' }>): unknown {
  const m = /^([a-z-]+):(\d+)$/.exec(text);
  return m && shape.variants.some((v) => v.key === m[1]) ? { [m[1]]: Number(m[2]) } : text;
}

function readFields(kind: ResourceKind, fields: Field[], obj: CtyObject, path: Path, reader: BodyReader): Json {
  const out: Json = {};
  for (const field of fields) {
    if (field.shape.kind === 'empty') continue;
    const at = [...path, field.key];
    // The attributes of a split secret map are one map for the model.
    const value = ruleOf(kind, field).secretSplit
      ? readSplit(kind, field, obj, at, reader)
      : readValue(kind, field.shape, obj[attributeName(field)], at, reader);
    if (value !== undefined) out[field.key] = value;
  }
  return out;
}

function readSplit(kind: ResourceKind, field: Field, obj: CtyObject, at: Path, reader: BodyReader): Json | undefined {
  let merged: Json | undefined;
  for (const attribute of splitAttributes(kind, field)) {
    const map = reader.object(obj[attribute], at);
    if (!map) continue;
    merged ??= {};
    for (const [k, v] of Object.entries(map)) {
      const x = reader.take(v, [...at, k]);
      if (x !== undefined) merged[k] = x;
    }
  }
  return merged;
}

function readValue(kind: ResourceKind, shape: Shape, value: CtyValue | undefined, at: Path, reader: BodyReader): unknown {
  switch (shape.kind) {
    case 'scalar':
      return reader.take(value, at);
    case 'list': {
      if (shape.items.kind === 'scalar') return reader.list(value, at);
      const list = reader.take(value, at);
      if (!Array.isArray(list)) return undefined;
      return list.map((item, i) => readFields(kind, childFields(shape.items), reader.object(item, [...at, i]) ?? {}, [...at, i], reader));
    }
    case 'map': {
      const map = reader.object(value, at);
      if (!map) return undefined;
      const out: Json = {};
      for (const [k, item] of Object.entries(map)) {
        const x =
          shape.values.kind === 'scalar'
            ? reader.take(item, [...at, k])
            : readFields(kind, childFields(shape.values), reader.object(item, [...at, k]) ?? {}, [...at, k], reader);
        if (x !== undefined) out[k] = x;
      }
      return out;
    }
    case 'object': {
      const obj = reader.object(value, at);
      return obj ? readFields(kind, shape.fields, obj, at, reader) : undefined;
    }
    case 'union': {
      if (isStringUnion(shape)) {
        const text = reader.take<string>(value, at);
        return text === undefined ? undefined : parseKeyed(text, shape);
      }
      const obj = reader.object(value, at);
      if (!obj) return undefined;
      for (const variant of valueVariants(shape)) {
        const inner = reader.object(obj[attributeName(variant)], [...at, variant.key]);
        if (inner) return { [variant.key]: readFields(kind, childFields(variant.shape), inner, [...at, variant.key], reader) };
      }
      // No variant set: the union's string ("regular", "connection-aware").
      return shape.strings?.[0];
    }
    case 'empty':
      return undefined;
  }
}

/** The model body (kebab-case, as the YAML) of a terraform value; unknowns are left out and remembered by the reader. */
export function bodyOf(kind: ResourceKind, v: CtyObject, reader = new BodyReader(), fields = resourceFields(kind)): { body: Json; reader: BodyReader } {
  return { body: readFields(kind, fields, v, [], reader), reader };
}

/** Which keys of a split secret map go where in the state: the rest are secret; write-only ones are left out. */
export interface SecretSplit {
  plain: string[];
  writeOnly: string[];
}

function writeFields(kind: ResourceKind, fields: Field[], obj: Json, ancestors: Json[], split: SecretSplit): CtyObject {
  const out: CtyObject = {};
  const chain = [obj, ...ancestors];
  for (const field of fields) {
    if (field.shape.kind === 'empty') continue;
    const rule = ruleOf(kind, field);
    const value = obj[field.key];
    if (rule.secretSplit) {
      const entries = Object.entries((value ?? {}) as Record<string, string>).filter(([k]) => !split.writeOnly.includes(k));
      const nonEmpty = (list: [string, string][]) => (list.length ? Object.fromEntries(list) : null);
      out[attributeName(field)] = nonEmpty(entries.filter(([k]) => split.plain.includes(k)));
      // Unknown keys (an import) are taken as secret: sensitive until the config says otherwise.
      out[rule.secretSplit.secret.name] = nonEmpty(entries.filter(([k]) => !split.plain.includes(k)));
      out[rule.secretSplit.writeOnly.name] = null;
      continue;
    }
    const omitted = value === undefined || value === null || rule.nullIf?.(value, chain) || (rule.defaultAsNull && equal(value, field.default));
    out[attributeName(field)] = omitted ? defaultOf(kind, field) : writeValue(kind, field, value, chain, split);
  }
  return out;
}

/** The value a computed attribute shows when the spec leaves the field out (deep-suspend-after): its default. */
function defaultOf(kind: ResourceKind, field: Field): CtyValue {
  return field.default !== undefined && isComputed(kind, field, false) ? (field.default as CtyValue) : null;
}

function writeValue(kind: ResourceKind, field: Field, value: unknown, chain: Json[], split: SecretSplit): CtyValue {
  const shape = field.shape;
  switch (shape.kind) {
    case 'scalar':
      return field.size ? formatSize(value as number) : (value as CtyValue);
    case 'list': {
      const list = value as unknown[];
      if (!list.length) return null;
      return shape.items.kind === 'scalar' ? (list as CtyValue[]) : list.map((item) => writeFields(kind, childFields(shape.items), item as Json, chain, split));
    }
    case 'map': {
      const entries = Object.entries(value as Json);
      if (!entries.length) return null;
      if (shape.values.kind === 'scalar') return value as CtyObject;
      return Object.fromEntries(entries.map(([k, item]) => [k, writeFields(kind, childFields(shape.values), item as Json, chain, split)]));
    }
    case 'object':
      return writeFields(kind, shape.fields, value as Json, chain, split);
    case 'union': {
      const keyed = typeof value === 'object' ? Object.entries(value as Json)[0] : undefined;
      if (isStringUnion(shape)) return keyed ? `${keyed[0]}:${String(keyed[1])}` : (value as string);
      // The union's string is the absence of every variant.
      if (!keyed) return null;
      return Object.fromEntries(
        valueVariants(shape).map((variant) => {
          const inner = (value as Json)[variant.key];
          return [attributeName(variant), inner ? writeFields(kind, childFields(variant.shape), inner as Json, chain, split) : null];
        }),
      );
    }
    case 'empty':
      return null;
  }
}

/** Terraform's form of a model spec, leaving derived values and null-defaults out so an import matches a config that omits them. */
export function canonicalOf(kind: ResourceKind, spec: object, split: SecretSplit = { plain: [], writeOnly: [] }, fields = resourceFields(kind)): CtyObject {
  return writeFields(kind, fields, spec as Json, [], split);
}

/** A model issue path (kebab-case) as the terraform attribute path. */
export function attributePath(kind: ResourceKind, path: Path, fields = resourceFields(kind)): AttributePath {
  const steps: PathStep[] = [];
  let scope = fields;
  for (let i = 0; i < path.length; i++) {
    const key = String(path[i]);
    const field = scope.find((f) => f.key === key);
    if (!field) {
      steps.push(/^\d+$/.test(key) ? { element_key_int: Number(key) } : { attribute_name: fromKebab(key, 'snake') });
      scope = [];
      continue;
    }
    // The model's wrappers without a terraform attribute of their own ({regular: {}}).
    if (field.shape.kind === 'empty') break;
    steps.push({ attribute_name: attributeName(field) });
    let shape: Shape = field.shape;
    if ((shape.kind === 'list' || shape.kind === 'map') && i + 1 < path.length) {
      i++;
      steps.push(shape.kind === 'list' ? { element_key_int: Number(path[i]) } : { element_key_string: String(path[i]) });
    }
    if (shape.kind === 'list') shape = shape.items;
    else if (shape.kind === 'map') shape = shape.values;
    // {nth-listen: N} is spelled "nth-listen:N" in the one attribute.
    if (isStringUnion(shape)) break;
    scope = childFields(shape);
  }
  return steps;
}

function fillFields(kind: ResourceKind, fields: Field[], planned: CtyObject, config: CtyObject, variants: boolean): CtyObject {
  const out: CtyObject = { ...planned };
  for (const field of fields) {
    if (field.shape.kind === 'empty') continue;
    const name = attributeName(field);
    const value = config[name] ?? null;
    if (isUnknown(value)) {
      if (isComputed(kind, field, variants)) out[name] = value;
      continue;
    }
    if (isComputed(kind, field, variants)) {
      out[name] =
        field.shape.kind === 'object' ? fillFields(kind, field.shape.fields, {}, isObject(value) ? value : {}, false) : (value ?? (field.default as CtyValue));
    } else if (isObject(value) && isObject(out[name]) && (field.shape.kind === 'object' || field.shape.kind === 'union')) {
      out[name] = fillFields(kind, childFields(field.shape), out[name], value, field.shape.kind === 'union');
    }
  }
  return out;
}

/**
 * Planned values of the computed attributes: the config's, or the schema's
 * default when the config leaves them out (never the prior value, so removing
 * `cpu` goes back to its default and an import of a default matches).
 */
export function planDefaults(kind: ResourceKind, planned: CtyObject, config: CtyObject, fields = resourceFields(kind)): CtyObject {
  const out = fillFields(kind, fields, planned, config, false);
  // Write-only values never reach the plan or the state.
  for (const field of fields) {
    const split = ruleOf(kind, field).secretSplit;
    if (split) out[split.writeOnly.name] = null;
  }
  return out;
}
