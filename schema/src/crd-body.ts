// A Volume or App custom resource back into the body of a lttle document, so
// that the node agent applies it through the same normalisation and checks as
// `lttle deploy`: kebab-case keys, name and namespace from the metadata, a
// union's one-key object for one of its strings ({firstListen: {}}) back to the
// string, and the environment from the Secret the App names.
import { fromCasing } from './casing';
import { resourceFields, type Field, type ResourceKind, type Shape } from './fields';

export interface CustomResource {
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function collapse(shape: Shape, value: unknown): unknown {
  if (shape.kind === 'union' && isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && shape.strings?.includes(keys[0]) && isObject(value[keys[0]]) && !Object.keys(value[keys[0]] as object).length) return keys[0];
    return collapseFields(shape.variants, value);
  }
  if (shape.kind === 'object' && isObject(value)) return collapseFields(shape.fields, value);
  if (shape.kind === 'list' && Array.isArray(value)) return value.map((v) => collapse(shape.items, v));
  if (shape.kind === 'map' && isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, collapse(shape.values, v)]));
  return value;
}

function collapseFields(fields: Field[], value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const field = fields.find((f) => f.key === key);
    out[key] = field ? collapse(field.shape, inner) : inner;
  }
  return out;
}

/** The document body of a custom resource (before normalisation). */
export function bodyOfCustomResource(kind: ResourceKind, resource: CustomResource, environment?: Record<string, string>): Record<string, unknown> {
  const { environmentSecret: _secretName, ...spec } = resource.spec;
  const kebab = fromCasing(spec, 'camel') as Record<string, unknown>;
  const body = collapseFields(resourceFields(kind), kebab);
  body.name = resource.metadata.name;
  body.namespace = resource.metadata.namespace ?? 'default';
  if (kind === 'app' && environment) body.environment = environment;
  return body;
}
