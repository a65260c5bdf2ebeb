// A Volume or App custom resource back into the body of a lttle document, so
// that the node agent applies it through the same normalisation and checks as
// `lttle deploy`: kebab-case keys, name and namespace from the metadata, a
// union's one-key object for one of its strings ({firstListen: {}}) back to the
// string, and the environment from the Secret the App names.
import { fromCasing, toCasing } from './casing';
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

function expand(shape: Shape, value: unknown): unknown {
  if (shape.kind === 'union') return typeof value === 'string' ? { [value]: {} } : isObject(value) ? expandFields(shape.variants, value) : value;
  if (shape.kind === 'object' && isObject(value)) return expandFields(shape.fields, value);
  if (shape.kind === 'list' && Array.isArray(value)) return value.map((v) => expand(shape.items, v));
  if (shape.kind === 'map' && isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(shape.values, v)]));
  return value;
}

function expandFields(fields: Field[], value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const field = fields.find((f) => f.key === key);
    out[key] = field ? expand(field.shape, inner) : inner;
  }
  return out;
}

/** The name of the Secret that holds an App's environment when lttle writes it. */
export const environmentSecretName = (app: string) => `${app}-env`;

/**
 * A normalised spec as a custom resource (the inverse of bodyOfCustomResource):
 * what `lttle deploy --kubeconfig` applies. An App's environment goes to the
 * Secret environmentSecretName(app), which the caller writes.
 */
export function customResourceOfSpec(
  kind: ResourceKind,
  spec: { name: string; namespace: string } & Record<string, unknown>,
): CustomResource & {
  apiVersion: string;
  kind: string;
} {
  const { name, namespace, environment, ...rest } = spec;
  const expanded = expandFields(resourceFields(kind), rest);
  // Union choices ({first-listen: {}}) are keys like any other: camelCased as the CRD spells them.
  const out = toCasing(expanded, 'camel') as Record<string, unknown>;
  if (kind === 'app' && isObject(environment) && Object.keys(environment).length) out.environmentSecret = environmentSecretName(name);
  return { apiVersion: 'lttle.dev/v1alpha1', kind: kind === 'app' ? 'App' : 'Volume', metadata: { name, namespace }, spec: out };
}
