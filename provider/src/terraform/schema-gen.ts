// The lttle_volume and lttle_app schemas, and their data sources', generated
// from the fields of schema/*.schema.json: each field an attribute in
// snake_case, nested as the schema nests it; a default makes it computed
// (planned when the config leaves it out); terraform-only.ts adds the rest.
import { frontEndName } from '../../../schema/src/casing';
import { bundledDocuments, resourceFields, type Field, type ResourceKind, type SchemaDocuments, type Shape } from '../../../schema/src/fields';
import type { CtyType } from './cty';
import { allComputed, timeoutsAttribute, type Attribute, type BlockSchema } from './schema';
import { TERRAFORM_ONLY, type FieldRule } from './terraform-only';

export function ruleOf(kind: ResourceKind, field: Field): FieldRule {
  return TERRAFORM_ONLY[kind].fields[field.path.join('.')] ?? {};
}

export function attributeName(field: Field): string {
  return frontEndName(field.key, 'snake');
}

/** A string when the schema allows any string (sizes, environment values): HCL writes them all as text. */
export function scalarType(types: readonly string[]): CtyType {
  if (types.includes('string')) return 'string';
  return types.includes('boolean') ? 'bool' : 'number';
}

/** A union whose objects hold one number ({nth-listen: 2}) is one string in terraform: "nth-listen:2". */
export function isStringUnion(shape: Shape): boolean {
  return shape.kind === 'union' && shape.variants.every((v) => v.shape.kind === 'scalar' || v.shape.kind === 'empty');
}

/** The variants of a union that carry values; the empty ones ({regular: {}}) are the union's string, null in terraform. */
export function valueVariants(shape: Extract<Shape, { kind: 'union' }>): Field[] {
  return shape.variants.filter((v) => v.shape.kind !== 'empty');
}

function describe(kind: ResourceKind, field: Field, rule: FieldRule): string {
  const text = rule.description ?? field.description ?? (field.expect ? `Must be ${field.expect}.` : '');
  const withDefault = text.replace(/\{default\}/g, String(field.default));
  return field.path.length === 1 && field.onChange === 'replace' ? `${withDefault} Changing it replaces the ${kind}.` : withDefault;
}

function typeOrNested(kind: ResourceKind, field: Field): Pick<Attribute, 'type' | 'nested'> {
  const shape = field.shape;
  const at = field.path.join('.');
  switch (shape.kind) {
    case 'scalar':
      return { type: scalarType(shape.types) };
    case 'list':
    case 'map': {
      const inner = shape.kind === 'list' ? shape.items : shape.values;
      if (inner.kind === 'scalar') return { type: [shape.kind, scalarType(inner.types)] };
      if (inner.kind === 'object') return { nested: { nesting: shape.kind, attributes: attributesOf(kind, inner.fields, false) } };
      throw new Error(`${at}: no terraform type for a ${shape.kind} of ${inner.kind}`);
    }
    case 'object':
      return { nested: { nesting: 'single', attributes: attributesOf(kind, shape.fields, false) } };
    case 'union':
      if (isStringUnion(shape)) return { type: 'string' };
      return { nested: { nesting: 'single', attributes: attributesOf(kind, valueVariants(shape), true) } };
    case 'empty':
      throw new Error(`${at}: an empty object has no attribute`);
  }
}

/**
 * Computed: terraform takes the planned value when the config leaves it out.
 * A union's variant is never computed (its presence is the choice), nor is a
 * union whose default is its string (null in terraform).
 */
export function isComputed(kind: ResourceKind, field: Field, variant: boolean): boolean {
  if (variant || ruleOf(kind, field).defaultAsNull) return false;
  if (field.default !== undefined) return field.shape.kind !== 'union' || isStringUnion(field.shape);
  return field.shape.kind === 'object' && field.shape.fields.every((f) => f.shape.kind === 'empty' || isComputed(kind, f, false));
}

function attributeOf(kind: ResourceKind, field: Field, variant: boolean): Attribute[] {
  const rule = ruleOf(kind, field);
  const shape = typeOrNested(kind, field);
  const a: Attribute = { name: attributeName(field), description: describe(kind, field, rule), ...shape };
  if (field.required) a.required = true;
  else a.optional = true;
  if (isComputed(kind, field, variant)) a.computed = true;
  const split = rule.secretSplit;
  if (!split) return [field.secret ? { ...a, sensitive: true } : a];
  return [
    a,
    { name: split.secret.name, type: a.type, optional: true, sensitive: true, description: split.secret.description },
    { name: split.writeOnly.name, type: a.type, optional: true, sensitive: true, writeOnly: true, description: split.writeOnly.description },
    { name: split.version.name, type: 'number', optional: true, description: split.version.description },
  ];
}

function attributesOf(kind: ResourceKind, fields: Field[], variants: boolean): Attribute[] {
  return fields.filter((f) => f.shape.kind !== 'empty').flatMap((f) => attributeOf(kind, f, variants));
}

const ID: Attribute = { name: 'id', type: 'string', computed: true, description: '`namespace/name`.' };

export function resourceSchema(kind: ResourceKind, docs: SchemaDocuments = bundledDocuments()): BlockSchema {
  const only = TERRAFORM_ONLY[kind];
  return {
    version: 0,
    description: only.description,
    attributes: [
      only.id ? { ...ID, description: only.id } : ID,
      ...attributesOf(kind, resourceFields(kind, docs), false),
      timeoutsAttribute(only.timeouts),
      ...only.status,
    ],
  };
}

/** Attributes a lookup cannot return: the write-only values (and their version), the timeouts. */
function notRead(kind: ResourceKind): string[] {
  const splits = Object.values(TERRAFORM_ONLY[kind].fields).flatMap((r) => (r.secretSplit ? [r.secretSplit.writeOnly.name, r.secretSplit.version.name] : []));
  return ['timeouts', ...splits];
}

/** A data source echoes the resource: everything computed but `name`, and `namespace` optional. */
export function dataSourceSchema(kind: ResourceKind, docs: SchemaDocuments = bundledDocuments()): BlockSchema {
  const skip = notRead(kind);
  const attributes = allComputed(
    resourceSchema(kind, docs).attributes.filter((a) => !skip.includes(a.name)),
    ['name'],
  ).map((a) => (a.name === 'namespace' ? { ...a, optional: true, computed: true } : a));
  return { version: 0, description: TERRAFORM_ONLY[kind].dataSourceDescription, attributes };
}
