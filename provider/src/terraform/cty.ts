// cty values as terraform sends them: msgpack, shaped by a type from the
// schema. Unknown values arrive as msgpack extension 0 and, in plans, as
// "refined unknown" extension 12 (carrying refinements such as "not null" or
// a string prefix); both must go back to terraform byte for byte, so an
// Unknown keeps the extension it came in.
import { decode, encode, ExtData, ExtensionCodec } from '@msgpack/msgpack';

/** cty type in its JSON form: "string", ["list","string"], ["object",{...}]. */
export type CtyType =
  'string' | 'number' | 'bool' | 'dynamic' | ['list' | 'set' | 'map', CtyType] | ['object', { [name: string]: CtyType }] | ['tuple', CtyType[]];

const UNKNOWN_EXT = 0;
const REFINED_UNKNOWN_EXT = 12;

/** A value not known until apply. */
export class Unknown {
  /** The extension it arrived as; a new unknown is extension 0. */
  constructor(readonly ext: ExtData = new ExtData(UNKNOWN_EXT, new Uint8Array([0]))) {}

  get refined(): boolean {
    return this.ext.type === REFINED_UNKNOWN_EXT;
  }
}

export const unknown = (): Unknown => new Unknown();

export type CtyValue = null | string | number | boolean | Unknown | CtyValue[] | CtyObject;
export interface CtyObject {
  [key: string]: CtyValue;
}

const codec = new ExtensionCodec();
for (const type of [UNKNOWN_EXT, REFINED_UNKNOWN_EXT]) {
  codec.register({
    type,
    // Encoding goes through ExtData directly (see toWire); this side never matches.
    encode: () => null,
    decode: (data: Uint8Array) => new Unknown(new ExtData(type, Uint8Array.from(data))),
  });
}

export function isUnknown(v: unknown): v is Unknown {
  return v instanceof Unknown;
}

export function isObject(v: unknown): v is CtyObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Unknown);
}

/** True when the value or anything inside it is unknown. */
export function containsUnknown(v: CtyValue): boolean {
  if (v instanceof Unknown) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (isObject(v)) return Object.values(v).some(containsUnknown);
  return false;
}

/** Decodes a msgpack DynamicValue; an empty buffer or nil is null. */
export function decodeValue(bytes: Uint8Array | null | undefined, type: CtyType): CtyValue {
  if (!bytes || bytes.length === 0) return null;
  return shape(decode(bytes, { extensionCodec: codec }), type);
}

export function encodeValue(value: CtyValue, type: CtyType): Uint8Array {
  return encode(toWire(shape(value, type)), { extensionCodec: codec });
}

/** Decodes terraform's JSON state (UpgradeResourceState) into the current type. */
export function fromJson(json: unknown, type: CtyType): CtyValue {
  return shape(json, type);
}

/**
 * Coerces a decoded value to its type: objects get every attribute (null
 * where missing, unknown attributes dropped), numbers sent as strings become
 * numbers. Terraform rejects objects that miss attributes.
 */
export function shape(value: unknown, type: CtyType): CtyValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Unknown) return value;
  if (type === 'dynamic') return value as CtyValue;
  if (type === 'string') return typeof value === 'string' ? value : JSON.stringify(value);
  if (type === 'number') return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : Number(value);
  if (type === 'bool') return typeof value === 'boolean' ? value : value === 'true';
  const [kind, inner] = type;
  switch (kind) {
    case 'list':
    case 'set':
      return (value as unknown[]).map((v) => shape(v, inner));
    case 'map': {
      const out: CtyObject = {};
      for (const [k, v] of entries(value)) out[k] = shape(v, inner);
      return out;
    }
    case 'object': {
      const attrs = inner;
      const source = new Map(entries(value));
      const out: CtyObject = {};
      for (const name of Object.keys(attrs).sort()) out[name] = shape(source.get(name), attrs[name]);
      return out;
    }
    case 'tuple':
      return inner.map((t, i) => shape((value as unknown[])[i], t));
  }
}

function entries(value: unknown): [string, unknown][] {
  if (value instanceof Map) return [...value.entries()].map(([k, v]) => [String(k), v]);
  return Object.entries(value as Record<string, unknown>);
}

function toWire(value: CtyValue): unknown {
  if (value instanceof Unknown) return value.ext;
  if (Array.isArray(value)) return value.map(toWire);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toWire(v);
    return out;
  }
  return value;
}

/** The type of an object value with these attributes. */
export function objectType(attrs: { [name: string]: CtyType }): CtyType {
  return ['object', attrs];
}
