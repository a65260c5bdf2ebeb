// The lttle JSON Schemas as a tree of fields: what the generators of every
// front end (Terraform schema and model, CDKTF props, coverage tests) walk,
// so that a field added to schema/*.schema.json reaches them all. The
// documents are an argument: a test can pass a modified copy.
import * as fs from 'node:fs';
import * as path from 'node:path';
import appSchema from '../app.schema.json';
import commonSchema from '../common.schema.json';
import volumeSchema from '../volume.schema.json';
import volumeSnapshotSchema from '../volume-snapshot.schema.json';

/** Each field's `x-on-change` rule in the JSON Schema: the diff rules and the docs read the same annotation. */
export type ChangeRule = 'replace' | 'redeploy' | 'live' | 'grow';

export interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  required?: string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  if?: SchemaNode;
  then?: SchemaNode;
  else?: SchemaNode;
  minProperties?: number;
  maxProperties?: number;
  propertyNames?: SchemaNode;
  maxItems?: number;
  uniqueItems?: boolean;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  'x-expect'?: string;
  'x-secret'?: boolean;
  'x-size'?: boolean;
  'x-on-change'?: ChangeRule;
}

/** Schema documents by file name (app.schema.json, ...), as `$ref`s name them. */
export type SchemaDocuments = Record<string, SchemaNode>;

/** A resource with its own schema/<kind>.schema.json (a VolumeSnapshot is no YAML document: it has only the providers' resource and the CLI). */
export type ResourceKind = 'volume' | 'app' | 'volume-snapshot';

export function bundledDocuments(): SchemaDocuments {
  return {
    'common.schema.json': commonSchema as SchemaNode,
    'volume.schema.json': volumeSchema as SchemaNode,
    'app.schema.json': appSchema as unknown as SchemaNode,
    'volume-snapshot.schema.json': volumeSnapshotSchema as SchemaNode,
  };
}

/** The documents of a schema directory (a modified copy in tests). */
export function readDocuments(dir: string): SchemaDocuments {
  const names = ['common', 'volume', 'app', 'volume-snapshot'].map((n) => `${n}.schema.json`);
  return Object.fromEntries(names.map((n) => [n, JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as SchemaNode]));
}

export type Scalar = 'string' | 'integer' | 'number' | 'boolean';

export type Shape =
  | { kind: 'scalar'; types: Scalar[]; enum?: string[] }
  | { kind: 'list'; items: Shape }
  | { kind: 'map'; values: Shape }
  | { kind: 'object'; fields: Field[] }
  /** A string or an object with one of `variants`: "regular" | {flash: {...}}. */
  | { kind: 'union'; strings?: string[]; variants: Field[] }
  /** An empty object: the object spelling of a union's string ({regular: {}}). */
  | { kind: 'empty' };

export interface Field {
  /** The model's (kebab-case) key. */
  key: string;
  /** Keys from the resource's root; `[]` stands for list items, `{}` for map values. */
  path: string[];
  shape: Shape;
  required: boolean;
  default?: unknown;
  description?: string;
  expect?: string;
  secret: boolean;
  /** A size: bytes, or text such as 100Mi. */
  size: boolean;
  onChange?: ChangeRule;
}

/** Follows `$ref`s (relative to `file`); the referring node's own keywords win. */
export function resolveRef(docs: SchemaDocuments, node: SchemaNode, file: string): { node: SchemaNode; file: string } {
  if (!node.$ref) return { node, file };
  const [target, pointer] = node.$ref.split('#');
  const inFile = target || file;
  const doc = docs[inFile];
  if (!doc) throw new Error(`schema ${inFile} missing`);
  const found = pointer
    .split('/')
    .filter(Boolean)
    .reduce<Record<string, unknown>>((at, key) => at[key] as Record<string, unknown>, doc as Record<string, unknown>) as SchemaNode;
  const { $ref: _ref, ...own } = node;
  const resolved = resolveRef(docs, found, inFile);
  return { node: { ...resolved.node, ...own }, file: resolved.file };
}

function scalarTypes(node: SchemaNode, at: string): Scalar[] {
  const types = (Array.isArray(node.type) ? node.type : node.type ? [node.type] : []).filter((t) => t !== 'null');
  const scalars = types.filter((t): t is Scalar => t === 'string' || t === 'integer' || t === 'number' || t === 'boolean');
  if (!scalars.length || scalars.length !== types.length) throw new Error(`${at}: no field shape for type ${JSON.stringify(node.type)}`);
  return scalars;
}

function shapeOf(docs: SchemaDocuments, node: SchemaNode, file: string, path: string[]): Shape {
  const at = path.join('.');
  if (node.if && node.else) {
    const strings = node.then?.enum ?? (node.then?.const === undefined ? undefined : [node.then.const]);
    const object = shapeOf(docs, node.else, file, path);
    if (object.kind !== 'object') throw new Error(`${at}: a union's object branch must have properties`);
    return { kind: 'union', strings: strings?.map(String), variants: object.fields };
  }
  const types = Array.isArray(node.type) ? node.type : node.type ? [node.type] : [];
  if (types.includes('array')) {
    const items = resolveRef(docs, node.items ?? {}, file);
    return { kind: 'list', items: shapeOf(docs, items.node, items.file, [...path, '[]']) };
  }
  if (types.includes('object')) {
    if (node.maxProperties === 0) return { kind: 'empty' };
    if (node.properties) return { kind: 'object', fields: fieldsOf(docs, node, file, path) };
    const values = resolveRef(docs, typeof node.additionalProperties === 'object' ? node.additionalProperties : { type: 'string' }, file);
    return { kind: 'map', values: shapeOf(docs, values.node, values.file, [...path, '{}']) };
  }
  const scalar: Shape = { kind: 'scalar', types: scalarTypes(node, at) };
  if (Array.isArray(node.enum)) scalar.enum = node.enum.map(String);
  return scalar;
}

function fieldsOf(docs: SchemaDocuments, node: SchemaNode, file: string, path: string[]): Field[] {
  return Object.entries(node.properties ?? {}).map(([key, raw]) => {
    const { node: child, file: childFile } = resolveRef(docs, raw, file);
    const at = [...path, key];
    const field: Field = {
      key,
      path: at,
      shape: shapeOf(docs, child, childFile, at),
      required: (node.required ?? []).includes(key),
      secret: child['x-secret'] === true,
      size: child['x-size'] === true,
    };
    if (child.default !== undefined) field.default = child.default;
    if (child.description) field.description = child.description;
    if (child['x-expect']) field.expect = child['x-expect'];
    if (child['x-on-change']) field.onChange = child['x-on-change'];
    return field;
  });
}

const bundledFields = new Map<ResourceKind, Field[]>();

/** The fields of a resource, in schema order (shared when read from the bundled schemas: do not modify). */
export function resourceFields(kind: ResourceKind, docs?: SchemaDocuments): Field[] {
  if (!docs) {
    let fields = bundledFields.get(kind);
    if (!fields) bundledFields.set(kind, (fields = resourceFields(kind, bundledDocuments())));
    return fields;
  }
  const file = `${kind}.schema.json`;
  const root = docs[file];
  if (!root) throw new Error(`schema ${file} missing`);
  return fieldsOf(docs, root, file, []);
}

/** The field at a path of keys (`[]`/`{}` for items and map values are skipped), or undefined. */
export function fieldAt(fields: Field[], path: string[]): Field | undefined {
  const [head, ...rest] = path.filter((p) => p !== '[]' && p !== '{}');
  const field = fields.find((f) => f.key === head);
  if (!field || !rest.length) return field;
  return fieldAt(childFields(field.shape), rest);
}

/** The fields inside a shape: an object's, a union's variants, or those of list items and map values. */
export function childFields(shape: Shape): Field[] {
  if (shape.kind === 'object') return shape.fields;
  if (shape.kind === 'union') return shape.variants;
  if (shape.kind === 'list') return childFields(shape.items);
  if (shape.kind === 'map') return childFields(shape.values);
  return [];
}

/** The schema's `default` of the field at `path`: the one place defaults are written. */
export function schemaDefault<T>(kind: ResourceKind, path: string[], docs?: SchemaDocuments): T {
  const value = fieldAt(resourceFields(kind, docs), path)?.default;
  if (value === undefined) throw new Error(`${kind}.${path.join('.')} has no default in schema/${kind}.schema.json`);
  return value as T;
}
