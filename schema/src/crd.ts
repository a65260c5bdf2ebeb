// The Kubernetes custom resources lttle.dev/v1alpha1 Volume and App, derived
// from the same JSON Schemas as the CLI, the API and both providers, so the API
// server refuses what `lttle deploy` refuses, naming the field. CRDs take a
// structural subset of OpenAPI v3, which the translation keeps to:
//
// - name and namespace live in the object's metadata, not its spec;
// - field names are camelCase (the API conventions), data-map keys unchanged;
// - a union of a string and objects ("regular" | {flash: …}) is an object with
//   exactly one key ({regular: {}} | {flash: …}), the spelling YAML documents
//   also accept, since a structural schema has one type per node;
// - environment values are secrets: they never enter the App object; it names
//   a Secret (`environmentSecret`) whose keys are the variables;
// - Go's regexp has no lookaround and CRDs no propertyNames/uniqueItems: the
//   few patterns using them are rewritten (crd-patterns.ts) or become CEL rules.
import { fromKebab } from './casing';
import { bundledDocuments, resolveRef, type SchemaDocuments, type SchemaNode } from './fields';
import { appStatusSchema, printerColumns, volumeStatusSchema } from './crd-status';
import type { OpenApiNode } from './openapi';

export type { OpenApiNode } from './openapi';
import { re2Pattern, SIZE_PATTERN } from './crd-patterns';
import { MAX_VOLUME_BYTES, MIN_VOLUME_BYTES } from './size';
import { stringify } from 'yaml';

export const CRD_GROUP = 'lttle.dev';
export const CRD_VERSION = 'v1alpha1';

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    scope: 'Namespaced';
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    versions: {
      name: string;
      served: true;
      storage: true;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: { name: string; type: string; jsonPath: string; description?: string; priority?: number }[];
      schema: { openAPIV3Schema: OpenApiNode };
    }[];
  };
}

/**
 * Keys of the schema that the custom resource carries elsewhere (metadata) or
 * not at all: secrets, and fork-of, since a fork needs its source's memory and
 * layers on its own host, which placement does not ensure yet.
 */
const NOT_IN_SPEC = new Set(['name', 'namespace', 'environment', 'fork-of']);

type Ctx = { docs: SchemaDocuments; file: string; at: string };

function description(node: SchemaNode): string | undefined {
  const text = node.description ?? (node['x-expect'] ? `Expects ${node['x-expect']}.` : undefined);
  return text?.replace(/\x60/g, ''); // Markdown code marks read as noise in kubectl explain
}

function scalar(type: string): OpenApiNode['type'] {
  if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') return type;
  throw new Error(`no OpenAPI scalar for ${type}`);
}

/** A union of strings and one-key objects as an object with exactly one of the keys. */
function union(node: SchemaNode, ctx: Ctx): OpenApiNode {
  const strings = (node.then?.enum ?? (node.then?.const === undefined ? [] : [node.then.const])).map(String);
  const objectBranch = node.else ?? {};
  const properties: Record<string, OpenApiNode> = {};
  for (const s of strings) properties[fromKebab(s, 'camel')] = { type: 'object', maxProperties: 0, description: `The "${s}" choice.` };
  for (const [key, child] of Object.entries(objectBranch.properties ?? {})) {
    if (strings.includes(key)) continue;
    properties[fromKebab(key, 'camel')] = convert(child, { ...ctx, at: `${ctx.at}.${key}` });
  }
  const out: OpenApiNode = { type: 'object', properties, minProperties: 1, maxProperties: 1 };
  const text = description(node);
  if (text) out.description = `${text} One key: ${Object.keys(properties).join(', ')}.`;
  if (typeof node.default === 'string') out.default = { [fromKebab(node.default, 'camel')]: {} };
  return out;
}

/** One JSON Schema node (after `$ref`s) as a structural OpenAPI node. */
export function convert(raw: SchemaNode, ctx: Ctx): OpenApiNode {
  const { node, file } = resolveRef(ctx.docs, raw, ctx.file);
  const here = { ...ctx, file };
  if (node.if && node.else) return union(node, here);
  if (node['x-size']) return sizeNode(node);
  const types = (Array.isArray(node.type) ? node.type : node.type ? [node.type] : []).filter((t) => t !== 'null');
  const nullable = Array.isArray(node.type) && node.type.includes('null');
  if (types.length !== 1) throw new Error(`${ctx.at}: a CRD field needs one type, the schema has ${JSON.stringify(node.type)}`);
  const out: OpenApiNode = {};
  const text = description(node);
  if (text) out.description = text;
  const [type] = types;
  if (type === 'object') {
    out.type = 'object';
    if (node.properties) {
      out.properties = {};
      for (const [key, child] of Object.entries(node.properties)) out.properties[fromKebab(key, 'camel')] = convert(child, { ...here, at: `${ctx.at}.${key}` });
      if (node.required?.length) out.required = node.required.map((k) => fromKebab(k, 'camel'));
    } else if (typeof node.additionalProperties === 'object') {
      out.additionalProperties = convert(node.additionalProperties, { ...here, at: `${ctx.at}.*` });
    }
    const keys = propertyNamesRule(node, here);
    if (keys) out['x-kubernetes-validations'] = [keys];
  } else if (type === 'array') {
    out.type = 'array';
    out.items = convert(node.items ?? {}, { ...here, at: `${ctx.at}[]` });
    // uniqueItems is refused in CRDs (quadratic); a set list type checks the same for scalars.
    if (node.uniqueItems) out['x-kubernetes-list-type'] = 'set';
    if (node.maxItems !== undefined) out.maxItems = node.maxItems;
  } else {
    out.type = scalar(type);
    Object.assign(out, scalarRules(node, ctx.at));
  }
  if (nullable) out.nullable = true;
  if (node.minProperties !== undefined && !out['x-kubernetes-validations']?.length) out.minProperties = node.minProperties;
  if (node.maxProperties !== undefined) out.maxProperties = node.maxProperties;
  if (node.default !== undefined && type !== 'object') out.default = node.default;
  return out;
}

function scalarRules(node: SchemaNode, at: string): OpenApiNode {
  const out: OpenApiNode = {};
  if (node.enum) out.enum = node.enum;
  else if (node.const !== undefined) out.enum = [node.const];
  for (const k of ['minLength', 'maxLength', 'minimum', 'maximum'] as const) if (node[k] !== undefined) out[k] = node[k];
  if (node.pattern) {
    const rewritten = re2Pattern(node.pattern, at);
    out.pattern = rewritten.pattern;
    if (rewritten.rule) out['x-kubernetes-validations'] = [{ rule: rewritten.rule, message: `must be ${node['x-expect'] ?? 'valid'}` }];
  }
  return out;
}

/** propertyNames (service names, variable names) as a CEL rule over the map's keys. */
function propertyNamesRule(node: SchemaNode, ctx: Ctx): { rule: string; message: string } | undefined {
  if (!node.propertyNames) return undefined;
  const { node: names } = resolveRef(ctx.docs, node.propertyNames, ctx.file);
  if (!names.pattern) return undefined;
  const { pattern } = re2Pattern(names.pattern, `${ctx.at} keys`);
  const limit = names.maxLength ? ` && size(k) <= ${names.maxLength}` : '';
  return { rule: `self.all(k, k.matches(${JSON.stringify(pattern)})${limit})`, message: `every key must be ${names['x-expect'] ?? 'valid'}` };
}

/** A size: bytes as an integer, or text such as 100Mi; a CEL rule checks each spelling (a structural anyOf has no types). */
function sizeNode(node: SchemaNode): OpenApiNode {
  return {
    'x-kubernetes-int-or-string': true,
    description: description(node),
    'x-kubernetes-validations': [
      {
        rule: `type(self) == int ? self >= ${MIN_VOLUME_BYTES} && self <= ${MAX_VOLUME_BYTES} : self.matches(${JSON.stringify(SIZE_PATTERN)})`,
        message: `must be ${node['x-expect'] ?? 'a size'}`,
      },
    ],
  };
}

function specOf(kind: 'volume' | 'app', docs: SchemaDocuments): OpenApiNode {
  const file = `${kind}.schema.json`;
  const root = docs[file];
  const properties: Record<string, OpenApiNode> = {};
  for (const [key, child] of Object.entries(root.properties ?? {})) {
    if (NOT_IN_SPEC.has(key)) continue;
    properties[fromKebab(key, 'camel')] = convert(child, { docs, file, at: `spec.${key}` });
  }
  if (kind === 'app') {
    properties.environmentSecret = {
      type: 'string',
      description:
        'Name of a Secret in the App namespace whose keys are the environment variables of the app. Values stay in the Secret: the App object never holds them.',
      ...scalarRules({ ...(docs['common.schema.json'] as { $defs: Record<string, SchemaNode> }).$defs.name }, 'spec.environmentSecret'),
    };
  }
  const required = (root.required ?? []).filter((k) => !NOT_IN_SPEC.has(k)).map((k) => fromKebab(k, 'camel'));
  return { type: 'object', description: description(root), properties, ...(required.length ? { required } : {}) };
}

function definition(kind: 'Volume' | 'App', docs: SchemaDocuments): CustomResourceDefinition {
  const lower = kind.toLowerCase() as 'volume' | 'app';
  const plural = `${lower}s`;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${CRD_GROUP}` },
    spec: {
      group: CRD_GROUP,
      scope: 'Namespaced',
      names: { kind, listKind: `${kind}List`, plural, singular: lower, shortNames: [kind === 'App' ? 'lapp' : 'lvol'], categories: ['lttle'] },
      versions: [
        {
          name: CRD_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: printerColumns(kind),
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: description(docs[`${lower}.schema.json`]),
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: specOf(lower, docs),
                status: kind === 'App' ? appStatusSchema() : volumeStatusSchema(),
              },
            },
          },
        },
      ],
    },
  };
}

/** The CRDs of Volume and App (from a modified copy of the schemas in tests). */
export function customResourceDefinitions(docs: SchemaDocuments = bundledDocuments()): CustomResourceDefinition[] {
  return [definition('Volume', docs), definition('App', docs)];
}

/** Where `make docs` writes the CRDs for `kubectl apply -f`. */
export const CRD_FILE = 'deploy/kubernetes/crds.yaml';

export function crdManifest(docs?: SchemaDocuments): string {
  const header = '# Generated from schema/*.schema.json by `make docs` (schema/src/crd.ts): do not edit.\n';
  return (
    header +
    customResourceDefinitions(docs)
      .map((crd) => `---\n${stringify(crd, { lineWidth: 0 })}`)
      .join('')
  );
}
