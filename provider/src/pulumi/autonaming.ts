// Autonaming, as pulumi-kubernetes does for metadata.name: a resource
// without `name` gets its logical name plus a random suffix, so two stacks
// of one program can share a host and a replacement can create the new
// resource before deleting the old one. The engine's autonaming options
// (the stack's `autonaming` configuration) win when it sends them.
import { createHash, randomBytes } from 'node:crypto';
import type { Json, JsonObject } from './values';

/** pulumirpc.CheckRequest.AutonamingOptions.Mode */
export enum AutonamingMode {
  PROPOSE = 0,
  ENFORCE = 1,
  DISABLE = 2,
}

/** What Check knows about naming a resource. */
export interface Naming {
  /** The Pulumi resource name (the URN's last part). */
  logicalName: string;
  /** The engine's seed: the same for a preview and the up that follows, so both see one name. */
  randomSeed?: Uint8Array;
  /** Sent by engines that know the provider supports them (Handshake/Configure). */
  autonaming?: { proposedName: string; mode: AutonamingMode };
}

/**
 * Reserved input key listing the inputs the provider filled in (as
 * Pulumi's Terraform bridge does): Diff reads it to know that a replacement
 * may take a new name, hence create first.
 */
export const DEFAULTS_KEY = '__defaults';

const SUFFIX_LENGTH = 8;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** common.schema.json#/$defs/name maxLength. */
const MAX_NAME = 63;

/** A name the user did not choose: the previous one, the engine's, or logical name + random suffix. */
export function autoName(naming: Naming, olds: JsonObject | undefined): { name: string } | { failure: string } {
  const old = olds?.name;
  // Keep the name the resource already has: dropping `name` from a program never replaces.
  if (typeof old === 'string' && old) return { name: old };
  const options = naming.autonaming;
  if (options?.mode === AutonamingMode.DISABLE)
    return { failure: 'name is required: autonaming is disabled by the stack configuration (autonaming mode "disabled"); set `name`' };
  if (options && options.proposedName) return { name: options.proposedName };
  return { name: `${naming.logicalName.slice(0, MAX_NAME - SUFFIX_LENGTH - 1)}-${suffix(naming.randomSeed)}` };
}

function suffix(seed: Uint8Array | undefined): string {
  const bytes = seed && seed.length ? createHash('sha256').update(seed).digest() : randomBytes(32);
  let out = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) out += ALPHABET[bytes[i] % ALPHABET.length];
  return out;
}

/** Whether the inputs' name was filled in by the provider (autonamed), not written in the program. */
export function isAutonamed(inputs: JsonObject): boolean {
  const defaults: Json | undefined = inputs[DEFAULTS_KEY];
  return Array.isArray(defaults) && defaults.includes('name');
}
