// The two resource kinds as Pulumi sees them: type tokens, camelCase input
// and output properties, and the conversions to and from the shared
// (kebab-case, normalised) model.
import { fromCasing, toCasing } from '../../../schema/src/casing';
import { normaliseApp, normaliseVolume, type Normalised } from '../../../schema/src/normalize';
import type { Issue } from '../../../schema/src/schema';
import { formatSize } from '../../../schema/src/size';
import type { AppSpec, AppStatus, VolumeSpec, VolumeStatus } from '../../../schema/src/types';
import { clone, isObject, type Json, type JsonObject, type PropertyPath } from './values';

export type Kind = 'volume' | 'app';

export const TOKENS: Record<Kind, string> = { volume: 'lttle:index:Volume', app: 'lttle:index:App' };
export const PROVIDER_TOKEN = 'pulumi:providers:lttle';

/** Input properties (camelCase), in schema order. */
export const INPUTS: Record<Kind, readonly string[]> = {
  volume: ['name', 'namespace', 'mode', 'size'],
  app: ['name', 'namespace', 'image', 'command', 'environment', 'resources', 'mode', 'volumes', 'expose', 'restartPolicy', 'tags', 'dependsOn'],
};

/** Output-only properties the runtime computes. */
export const COMPUTED: Record<Kind, readonly string[]> = {
  volume: ['sizeBytes', 'state', 'attachedTo'],
  app: ['state', 'services', 'accel', 'generation'],
};

/** Inputs that are secret whatever the program says (schema/app.schema.json x-secret). */
export const ALWAYS_SECRET: Record<Kind, PropertyPath[]> = { volume: [], app: [['environment']] };

/** Identity properties: a change replaces the resource, deleting first. */
export const IDENTITY = ['name', 'namespace'];

/** Object keys below these properties are user data (variable and service names), never renamed. */
const DATA_MAPS = new Set(['environment', 'expose']);

/** The kind of a resource from its type token ("lttle:index:Volume") or URN. */
export function kindOf(type: string, urn: string): Kind | undefined {
  const token = type || typeFromUrn(urn);
  if (token === TOKENS.volume) return 'volume';
  if (token === TOKENS.app) return 'app';
  return undefined;
}

/** urn:pulumi:stack::project::parent$lttle:index:Volume::name -> lttle:index:Volume */
export function typeFromUrn(urn: string): string {
  const parts = urn.split('::');
  if (parts.length < 4) return '';
  const qualified = parts[2];
  return qualified.slice(qualified.lastIndexOf('$') + 1);
}

export function nameFromUrn(urn: string): string {
  const parts = urn.split('::');
  return parts.length < 4 ? '' : parts.slice(3).join('::');
}

/** The input properties of a property bag (drops computed outputs and anything unknown to the kind). */
export function pickInputs(kind: Kind, props: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of INPUTS[kind]) if (props[key] !== undefined && props[key] !== null) out[key] = props[key];
  return out;
}

/** Kebab-case property path of the model -> camelCase path of the Pulumi resource. */
export function toPulumiPath(path: (string | number)[]): PropertyPath {
  const out: PropertyPath = [];
  let dataNext = false;
  for (const part of path) {
    const s = String(part);
    if (/^\d+$/.test(s)) {
      out.push(Number(s));
      continue;
    }
    const name: string = dataNext ? s : s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    // Only the key right below a data map is data; the fields below it are names again.
    dataNext = !dataNext && DATA_MAPS.has(name) && out.length === 0;
    out.push(name);
  }
  return out;
}

export type Spec<K extends Kind> = K extends 'volume' ? VolumeSpec : AppSpec;
export type Status<K extends Kind> = K extends 'volume' ? VolumeStatus : AppStatus;

/** Validates and normalises camelCase inputs; issue paths come back in camelCase. */
export function toSpec(kind: 'volume', inputs: JsonObject): Normalised<VolumeSpec>;
export function toSpec(kind: 'app', inputs: JsonObject): Normalised<AppSpec>;
export function toSpec(kind: Kind, inputs: JsonObject): Normalised<VolumeSpec | AppSpec>;
export function toSpec(kind: Kind, inputs: JsonObject): Normalised<VolumeSpec | AppSpec> {
  const body = fromCasing(inputs, 'camel');
  const result = kind === 'volume' ? normaliseVolume(body) : normaliseApp(body);
  if (result.ok) return result;
  return { ok: false, issues: result.issues.map((i): Issue => ({ ...i, path: toPulumiPath(i.path) })) };
}

/** A normalised spec as Pulumi inputs (refresh drift, import): sizes in the user's units. */
export function specToInputs(kind: Kind, spec: VolumeSpec | AppSpec): JsonObject {
  const camel = toCasing(spec, 'camel') as JsonObject;
  if (kind === 'volume') camel.size = formatSize((spec as VolumeSpec).size);
  return pickInputs(kind, clone(camel));
}

/** Outputs after an apply or read: the inputs as written plus what the runtime reports. */
export function outputsFromStatus(kind: Kind, inputs: JsonObject, status: VolumeStatus | AppStatus): JsonObject {
  const out: JsonObject = { ...clone(inputs), name: status.spec.name, namespace: status.spec.namespace };
  if (kind === 'volume') {
    const s = status as VolumeStatus;
    out.mode = inputs.mode ?? s.spec.mode;
    out.size = inputs.size ?? formatSize(s.spec.size);
    out.sizeBytes = s.sizeBytes;
    out.state = s.state;
    if (s.attachedTo) out.attachedTo = s.attachedTo;
  } else {
    const s = status as AppStatus;
    out.state = s.state;
    out.generation = s.generation;
    out.services = s.services.map((svc) => ({ name: svc.name, address: svc.address, hostAddress: svc.hostAddress, targetPort: svc.targetPort }));
    if (s.accel) out.accel = s.accel;
  }
  return out;
}

/** Outputs of a preview: what is known from the inputs, computed properties unknown. */
export function previewOutputs(kind: Kind, inputs: JsonObject, computed: Record<string, Json>): JsonObject {
  const out: JsonObject = { ...clone(inputs) };
  if (out.namespace === undefined) out.namespace = 'default';
  if (kind === 'volume' && out.mode === undefined) out.mode = 'writeable';
  for (const key of COMPUTED[kind]) if (computed[key] !== undefined) out[key] = computed[key];
  return out;
}

export function idOf(spec: { namespace: string; name: string }): string {
  return `${spec.namespace}/${spec.name}`;
}

/** `namespace/name` (or a bare name in the default namespace) -> its parts. */
export function parseId(id: string): { namespace: string; name: string } | undefined {
  const parts = id.split('/');
  if (parts.length === 1 && parts[0]) return { namespace: 'default', name: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { namespace: parts[0], name: parts[1] };
  return undefined;
}

export function isJsonObject(v: unknown): v is JsonObject {
  return isObject(v);
}
