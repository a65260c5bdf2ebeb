// Generates schema/pulumi/schema.json (the Pulumi package schema) from the
// lttle JSON Schemas in schema/, so the Pulumi resource properties, their
// types and docs follow the one source of truth. Run after changing schema/*:
//   node build/js/provider/src/pulumi/schema-gen.js --write
// (a test fails while the committed file is stale).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { frontEndName } from '../../../schema/src/casing';
import { CLUSTER_TARGET_DOCS } from '../cluster-target';
import { packageRoot } from '../../../schema/src/paths';

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  description?: string;
  'x-expect'?: string;
  'x-secret'?: boolean;
  'x-on-change'?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  required?: string[];
  enum?: unknown[];
  if?: JsonSchema;
  then?: JsonSchema & { const?: unknown };
  else?: JsonSchema;
  maxProperties?: number;
  $defs?: Record<string, JsonSchema>;
};

/** A Pulumi property/type reference (the metaschema's propertySpec/typeSpec). */
export type PulumiType = {
  type?: string;
  $ref?: string;
  items?: PulumiType;
  additionalProperties?: PulumiType;
  oneOf?: PulumiType[];
  description?: string;
  secret?: boolean;
  replaceOnChanges?: boolean;
  willReplaceOnChanges?: boolean;
  defaultInfo?: { environment: string[] };
  default?: string | number | boolean;
};

export interface ObjectType {
  type: 'object';
  description?: string;
  properties: Record<string, PulumiType>;
  required?: string[];
}

/** A closed set of strings: every SDK language gets typed values. */
export interface EnumType {
  type: 'string';
  description?: string;
  enum: { name: string; value: string; description?: string }[];
}

const PKG = 'lttle';
const token = (name: string) => `${PKG}:index:${name}`;
const ref = (name: string): PulumiType => ({ $ref: `#/types/${token(name)}` });

/** Named object types, by their place in the lttle schema (kebab path; [] = items, {} = map values). */
const TYPE_NAMES: Record<string, string> = {
  'app.resources': 'AppResources',
  'app.mode': 'AppMode',
  'app.mode.flash': 'FlashMode',
  'app.mode.flash.strategy': 'FlashStrategy',
  'app.volumes[]': 'VolumeMount',
  'app.expose{}': 'Expose',
  'app.expose{}.internal': 'ExposeInternal',
  'app.expose{}.external': 'ExposeExternal',
  'app.expose{}.connection-tracking': 'ConnectionTracking',
  'app.expose{}.connection-tracking.traffic-aware': 'TrafficAware',
};

/** Enum types for closed sets of strings, by their place in the lttle schema. */
const ENUM_NAMES: Record<string, string> = {
  'app.restart-policy': 'RestartPolicy',
  'app.mode.flash.strategy': 'FlashStrategyName',
  'volume.mode': 'VolumeMode',
};

/** Enum entry names: on-failure -> OnFailure, read-only -> ReadOnly. */
const pascal = (value: string) => value.replace(/(^|[-_])([a-z])/g, (_, __, c: string) => c.toUpperCase());

export function enumType(values: string[], description?: string, docs: Record<string, string> = {}): EnumType {
  const type: EnumType = {
    type: 'string',
    enum: values.map((value) => ({ name: pascal(value), value, ...(docs[value] ? { description: docs[value] } : {}) })),
  };
  if (description) type.description = description;
  return type;
}

class Generator {
  readonly types: Record<string, ObjectType | EnumType> = {};
  private readonly docs = new Map<string, JsonSchema>();

  constructor(dir: string) {
    for (const file of ['common', 'volume', 'app', 'volume-snapshot']) {
      this.docs.set(`${file}.schema.json`, JSON.parse(fs.readFileSync(path.join(dir, `${file}.schema.json`), 'utf8')) as JsonSchema);
    }
  }

  doc(name: string): JsonSchema {
    const d = this.docs.get(name);
    if (!d) throw new Error(`schema ${name} missing`);
    return d;
  }

  /** Follows $ref (relative to `file`), merging the referring node's own description and x-expect over the target. */
  resolve(node: JsonSchema, file: string): { node: JsonSchema; file: string } {
    if (!node.$ref) return { node, file };
    const [target, pointer] = node.$ref.split('#');
    const targetFile = target || file;
    let cur: unknown = this.doc(targetFile);
    for (const part of pointer.split('/').filter(Boolean)) cur = (cur as Record<string, unknown>)[part];
    const { $ref: _ignored, ...own } = node;
    void _ignored;
    const resolved = this.resolve(cur as JsonSchema, targetFile);
    return { node: { ...resolved.node, ...own }, file: resolved.file };
  }

  property(raw: JsonSchema, file: string, at: string): PulumiType {
    const { node, file: f } = this.resolve(raw, file);
    const out = this.typeOf(node, f, at);
    const doc = describe(node);
    if (doc) out.description = doc;
    if (node['x-secret']) out.secret = true;
    return out;
  }

  typeOf(node: JsonSchema, file: string, at: string): PulumiType {
    // "regular" | {flash: ...}: a string or an object, as the YAML allows.
    if (node.if && node.else) {
      const strings = Array.isArray(node.then?.enum) ? this.enumRef(node.then.enum as string[], at) : { type: 'string' };
      return { oneOf: [strings, this.objectRef(node.else, file, at)] };
    }
    const types = Array.isArray(node.type) ? node.type.filter((t) => t !== 'null') : node.type ? [node.type] : [];
    if (types.length > 1) {
      // Environment values may be written as numbers or booleans in YAML; Pulumi programs pass strings.
      if (types.includes('string') && types.includes('boolean')) return { type: 'string' };
      return { oneOf: types.map((t) => ({ type: t })) };
    }
    const type = types[0];
    if (type === 'array') return { type: 'array', items: this.typeOf(this.resolve(node.items ?? {}, file).node, file, `${at}[]`) };
    if (type === 'object' && node.properties) return this.objectRef(node, file, at);
    if (type === 'object') {
      const values = typeof node.additionalProperties === 'object' ? node.additionalProperties : { type: 'string' };
      const resolved = this.resolve(values, file);
      return { type: 'object', additionalProperties: this.typeOf(resolved.node, resolved.file, `${at}{}`) };
    }
    if (type === 'string' && Array.isArray(node.enum) && ENUM_NAMES[at]) return this.enumRef(node.enum as string[], at);
    if (type === 'integer' || type === 'number' || type === 'boolean' || type === 'string') return { type };
    throw new Error(`cannot map ${at} to a Pulumi type`);
  }

  objectRef(node: JsonSchema, file: string, at: string): PulumiType {
    const name = TYPE_NAMES[at];
    if (!name) throw new Error(`no Pulumi type name for ${at}; add it to TYPE_NAMES`);
    if (!this.types[token(name)]) {
      const props = this.properties(node, file, at);
      const type: ObjectType = { type: 'object', properties: props.properties };
      const doc = describe(node);
      if (doc) type.description = doc;
      if (props.required.length) type.required = props.required;
      this.types[token(name)] = type;
    }
    return ref(name);
  }

  enumRef(values: string[], at: string): PulumiType {
    const name = ENUM_NAMES[at];
    if (!name) return { type: 'string' };
    const docs: Record<string, string> = { writable: 'Same as writeable.', readonly: 'Same as read-only.' };
    this.types[token(name)] ??= enumType(values, undefined, docs);
    return ref(name);
  }

  properties(node: JsonSchema, file: string, at: string): { properties: Record<string, PulumiType>; required: string[] } {
    const properties: Record<string, PulumiType> = {};
    for (const [key, raw] of Object.entries(node.properties ?? {})) {
      const { node: resolved } = this.resolve(raw, file);
      // Empty-object spellings ({regular: {}}, {connection-aware: {}}) exist for YAML; Pulumi uses the string form.
      if (resolved.maxProperties === 0) continue;
      properties[frontEndName(key, 'camel')] = this.property(raw, file, `${at}.${key}`);
    }
    return { properties, required: (node.required ?? []).map((key) => frontEndName(key, 'camel')) };
  }
}

function describe(node: JsonSchema): string | undefined {
  const expect = node['x-expect'];
  if (node.description && expect) return `${node.description} Must be ${expect}.`;
  if (node.description) return node.description;
  if (expect) return `Must be ${expect}.`;
  return undefined;
}

const IDENTITY_DOC = ' Changing it replaces the resource (deleting the old one first when the name is explicit: names are unique on the host).';

export function generatePulumiSchema(root = packageRoot()): Record<string, unknown> {
  const gen = new Generator(path.join(root, 'schema'));
  const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const resource = (kind: 'volume' | 'app' | 'volume-snapshot', computed: Record<string, PulumiType>, alwaysOut: string[]) => {
    const file = `${kind}.schema.json`;
    const schema = gen.doc(file);
    const { properties: inputs, required } = gen.properties(schema, file, kind);
    // The identity, and any other field whose change the schema says replaces (a snapshot's volume).
    const replacing = Object.entries(schema.properties ?? {})
      .filter(([key, p]) => key === 'name' || key === 'namespace' || p['x-on-change'] === 'replace')
      .map(([key]) => frontEndName(key, 'camel'));
    for (const key of replacing) {
      inputs[key].description = `${inputs[key].description ?? ''}${IDENTITY_DOC}`.trim();
      inputs[key].willReplaceOnChanges = true;
    }
    inputs.name.description +=
      " Without it the resource is autonamed: its Pulumi name plus a random suffix (e.g. pgdata-k3x9q2mz), or the name the stack's `autonaming` configuration gives; an autonamed resource is replaced by creating the new one first.";
    return {
      description: schema.description,
      inputProperties: inputs,
      requiredInputs: required.filter((r) => r !== 'name'),
      properties: { ...inputs, ...computed },
      required: [...new Set(['name', 'namespace', ...required, ...alwaysOut, ...Object.keys(computed).filter((k) => k !== 'attachedTo' && k !== 'accel')])],
    };
  };
  gen.types[token('VolumeState')] = enumType(['creating', 'ready', 'resizing', 'deleting', 'error'], 'What the runtime is doing with a volume.');
  gen.types[token('AppState')] = enumType(
    ['idle', 'pulling-image', 'waiting', 'creating', 'booting', 'ready', 'suspending', 'suspended', 'stopping', 'stopped', 'restarting', 'error'],
    "Where an app's machine is in its life.",
  );
  const volume = resource(
    'volume',
    {
      sizeBytes: { type: 'integer', description: 'Size of the ext4 filesystem in bytes, as the runtime measured it.' },
      state: { ...ref('VolumeState'), description: 'Volume state: creating, ready, resizing, deleting or error.' },
      attachedTo: { type: 'string', description: '`namespace/name` of the app that has the volume attached, if any.' },
    },
    ['mode'],
  );
  gen.types[token('Service')] = {
    type: 'object',
    description: 'A service the app exposes.',
    properties: {
      name: { type: 'string', description: 'The expose key.' },
      address: { type: 'string', description: 'Internal service address, `tcp://<app>-<key>.<namespace>.svc.lttle.local:<port>`.' },
      hostAddress: { type: 'string', description: 'Where a client on the host connects: `127.0.0.1:<port>`.' },
      targetPort: { type: 'integer', description: 'Port inside the machine.' },
    },
    required: ['name', 'address', 'hostAddress', 'targetPort'],
  };
  const app = resource(
    'app',
    {
      state: {
        ...ref('AppState'),
        description: 'Machine state: idle, pulling-image, waiting, creating, booting, ready, suspending, suspended, stopping, stopped, restarting or error.',
      },
      services: { type: 'array', items: ref('Service'), description: 'The exposed services with their addresses.' },
      accel: { type: 'string', description: 'Accelerator of the running machine: "kvm" or "tcg".' },
      generation: { type: 'integer', description: 'Bumped by each change of the app the runtime accepts (any input, whether or not it boots a new machine).' },
    },
    [],
  );
  const volumeSnapshot = resource(
    'volume-snapshot',
    {
      size: { type: 'string', description: "The volume's size when the snapshot was taken, such as 100Mi (a restore returns the volume to it)." },
      sizeBytes: { type: 'integer', description: 'Size of the filesystem in bytes when the snapshot was taken.' },
      createdAt: { type: 'string', description: 'When the snapshot was taken (RFC 3339).' },
    },
    [],
  );
  const config: Record<string, PulumiType> = {
    host: {
      type: 'string',
      description:
        'Where the lttle runtime listens: `unix:///path/lttled.sock`, a socket path, or `http://HOST:PORT`. Defaults to the local daemon on $LTTLE_HOME/lttled.sock, started when absent.',
      defaultInfo: { environment: ['LTTLE_HOST'] },
    },
    token: { type: 'string', secret: true, description: 'Bearer token for a runtime reached over TCP.', defaultInfo: { environment: ['LTTLE_TOKEN'] } },
    kubeconfig: { type: 'string', description: CLUSTER_TARGET_DOCS.kubeconfig },
    context: { type: 'string', description: CLUSTER_TARGET_DOCS.context },
  };
  return {
    name: PKG,
    displayName: 'lttle',
    version,
    description: 'Apps (such as PostgreSQL 17 with flash mode) in QEMU microVMs on your host: volumes and apps as Pulumi resources.',
    keywords: ['pulumi', 'lttle', 'microvm', 'postgresql', 'category/infrastructure', 'kind/native'],
    license: 'Apache-2.0',
    publisher: 'lttle',
    meta: { moduleFormat: '(.*)' },
    config: { variables: config },
    provider: { description: 'The lttle provider: which runtime to talk to.', inputProperties: config, properties: config },
    resources: { [token('Volume')]: volume, [token('App')]: app, [token('VolumeSnapshot')]: volumeSnapshot },
    types: Object.fromEntries(Object.entries(gen.types).sort(([a], [b]) => a.localeCompare(b))),
    // Pulumi's codegen (test/tools/pulumi/gen-sdk, `make sdk`) reads these. The Node.js
    // SDK depends on the @pulumi/pulumi this project runs on (Node 20): the codegen's
    // default (^3.269) wants Node >= 22.
    language: {
      nodejs: {
        packageName: '@lttle/pulumi',
        packageDescription: 'lttle: apps in microVMs with flash mode',
        dependencies: { '@pulumi/pulumi': '^3.248.0' },
        devDependencies: { typescript: '^5.0.0', '@types/node': '^20.0.0' },
        respectSchemaVersion: true,
      },
      python: { packageName: 'pulumi_lttle', respectSchemaVersion: true, requires: { pulumi: '>=3.0.0,<4.0.0' } },
      go: { importBasePath: 'github.com/lttle-cloud/lttle/sdk/go/lttle', respectSchemaVersion: true, generateResourceContainerTypes: true },
    },
  };
}

export function pulumiSchemaJson(root = packageRoot()): string {
  return `${JSON.stringify(generatePulumiSchema(root), null, 2)}\n`;
}

if (require.main === module) {
  const text = pulumiSchemaJson();
  if (process.argv.includes('--write')) {
    const out = path.join(packageRoot(), 'schema', 'pulumi', 'schema.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, text);
    process.stderr.write(`wrote ${out}\n`);
  } else process.stdout.write(text);
}
