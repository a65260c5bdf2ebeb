// Terraform schemas described once and turned into both the protocol's
// Schema message and the cty type used to decode values of that schema.
import type { CtyType } from './cty';

export interface Attribute {
  name: string;
  description: string;
  /** Primitive or collection type; absent for nested attributes. */
  type?: CtyType;
  nested?: { nesting: 'single' | 'list' | 'map'; attributes: Attribute[] };
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  sensitive?: boolean;
  /** Terraform 1.11+: sent in the config only, never stored in plan or state. */
  writeOnly?: boolean;
}

export interface BlockSchema {
  version: number;
  description: string;
  attributes: Attribute[];
}

const NESTING = { single: 1, list: 2, map: 4 } as const;
/** Descriptions are markdown: `code` renders in the registry and language servers. */
const MARKDOWN = 1;

/** Go-style durations as the `timeouts` attribute takes them: "30s", "10m", "1h30m". */
export function parseDuration(text: string): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!m || !text.trim() || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) return undefined;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** The `timeouts` attribute of the scaffolding template, as a nested attribute (`timeouts = { create = "20m" }`). */
export function timeoutsAttribute(defaults: { create: string; update: string; delete: string }): Attribute {
  const op = (name: keyof typeof defaults, what: string): Attribute => ({
    name,
    type: 'string',
    optional: true,
    description: `How long ${what} may take, as a duration such as \`"30s"\`, \`"10m"\` or \`"1h"\` (default \`"${defaults[name]}"\`).`,
  });
  return {
    name: 'timeouts',
    optional: true,
    description: 'Limits for waiting on the runtime.',
    nested: { nesting: 'single', attributes: [op('create', 'a create'), op('update', 'an update'), op('delete', 'a delete')] },
  };
}

/** The protocol's Schema.Attribute as a plain object for protobufjs. */
export interface ProtoAttribute {
  name: string;
  type?: Buffer;
  nested_type?: { attributes: ProtoAttribute[]; nesting: number };
  description: string;
  required: boolean;
  optional: boolean;
  computed: boolean;
  sensitive: boolean;
  write_only: boolean;
  description_kind: number;
}

export function protoSchema(schema: BlockSchema): {
  version: number;
  block: { version: number; attributes: ProtoAttribute[]; block_types: never[]; description: string; description_kind: number };
} {
  return {
    version: schema.version,
    block: {
      version: schema.version,
      attributes: schema.attributes.map(protoAttribute),
      block_types: [],
      description: schema.description,
      description_kind: MARKDOWN,
    },
  };
}

function protoAttribute(a: Attribute): ProtoAttribute {
  const out: ProtoAttribute = {
    name: a.name,
    description: a.description,
    required: !!a.required,
    optional: !!a.optional,
    computed: !!a.computed,
    sensitive: !!a.sensitive,
    write_only: !!a.writeOnly,
    description_kind: MARKDOWN,
  };
  if (a.nested) out.nested_type = { attributes: a.nested.attributes.map(protoAttribute), nesting: NESTING[a.nested.nesting] };
  else out.type = Buffer.from(JSON.stringify(a.type));
  return out;
}

export function attributeType(a: Attribute): CtyType {
  if (!a.nested) return a.type as CtyType;
  const obj = objectTypeOf(a.nested.attributes);
  return a.nested.nesting === 'single' ? obj : [a.nested.nesting, obj];
}

function objectTypeOf(attributes: Attribute[]): CtyType {
  const attrs: { [name: string]: CtyType } = {};
  for (const a of attributes) attrs[a.name] = attributeType(a);
  return ['object', attrs];
}

export function blockType(schema: BlockSchema): CtyType {
  return objectTypeOf(schema.attributes);
}

/** The schema with every attribute computed (data sources echo a resource). */
export function allComputed(attributes: Attribute[], keep: string[]): Attribute[] {
  return attributes.map((a) => {
    if (keep.includes(a.name)) return a;
    const { required: _r, optional: _o, writeOnly: _w, ...rest } = a;
    return { ...rest, computed: true, nested: a.nested ? { ...a.nested, attributes: allComputed(a.nested.attributes, []) } : undefined };
  });
}
