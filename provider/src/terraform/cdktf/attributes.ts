// camelCase construct props -> the provider's snake_case attributes. Keys of
// the data maps (environment variables, expose service names) are user data
// and keep their spelling; tokens and other non-plain values pass through.

import { camelToSnake } from '../../../../schema/src/casing';
import { DATA_MAPS } from './props';

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

export function toAttributes(value: unknown, dataMap = false): unknown {
  if (Array.isArray(value)) return value.map((v) => toAttributes(v));
  if (!isPlain(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined) continue;
    const name = dataMap ? key : camelToSnake(key);
    // expose's values are field objects again; environment's are strings.
    out[name] = dataMap ? toAttributes(inner) : DATA_MAPS.includes(name) && isPlain(inner) ? toAttributes(inner, true) : toAttributes(inner);
  }
  return out;
}
