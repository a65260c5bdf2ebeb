// The custom resources as the providers see lttled's answers: an App or
// Volume object (with the status its node agent wrote) back into the
// AppStatus or VolumeStatus both providers already read, and the API server's
// refusals back into the domain errors, naming the field the way lttled does.
import { isDataMap, toKebab } from '../../../schema/src/casing';
import { bodyOfCustomResource, type CustomResource } from '../../../schema/src/crd-body';
import { ConflictError, InvalidError, LttleError, NotFoundError } from '../../../schema/src/errors';
import { normaliseApp, normaliseVolume } from '../../../schema/src/normalize';
import { formatPath, type Issue } from '../../../schema/src/schema';
import type { AppSpec, AppStatus, MachineState, VolumeSpec, VolumeState, VolumeStatus } from '../../../schema/src/types';
import type { AppResourceStatus } from './app-status';
import type { KubeApiError } from './kube-client';

interface Meta {
  name: string;
  namespace: string;
  generation?: number;
  creationTimestamp?: string;
  resourceVersion?: string;
  annotations?: Record<string, string>;
}

export type AppCustomResource = CustomResource & { metadata: Meta; spec: { environmentSecret?: string }; status?: AppResourceStatus };
export type VolumeCustomResource = CustomResource & {
  metadata: Meta;
  status?: { state?: string; host?: string; sizeBytes?: number; message?: string; conditions?: { lastTransitionTime: string }[] };
};

const MACHINE_STATES: readonly string[] = [
  'idle',
  'pulling-image',
  'waiting',
  'creating',
  'booting',
  'ready',
  'suspending',
  'suspended',
  'stopping',
  'stopped',
  'restarting',
  'error',
];

/**
 * The spec as applied (environment left out: it is the Secret's), kept on the
 * object as kubectl keeps its last-applied configuration. The API server fills
 * the schema's defaults into the stored object (`deepSuspendAfter: 60`), which
 * lttled does not put into the spec it reports; reading the applied spec back
 * keeps a refresh from seeing a change nobody made.
 */
export const APPLIED_SPEC_ANNOTATION = 'lttle.dev/applied-spec';

export function withAppliedSpec<T extends CustomResource>(resource: T, spec: VolumeSpec | AppSpec): T {
  const { environment: _secret, ...applied } = spec as AppSpec;
  return { ...resource, metadata: { ...resource.metadata, annotations: { [APPLIED_SPEC_ANNOTATION]: JSON.stringify(applied) } } };
}

/** Whether `full` has every value of `part` (and maybe more: the defaults the API server filled in). */
function covers(full: unknown, part: unknown): boolean {
  if (Array.isArray(part)) return Array.isArray(full) && full.length === part.length && part.every((p, i) => covers(full[i], p));
  if (part && typeof part === 'object')
    return (
      !!full && typeof full === 'object' && !Array.isArray(full) && Object.entries(part).every(([k, v]) => covers((full as Record<string, unknown>)[k], v))
    );
  return full === part;
}

/**
 * The applied spec when the object still holds all of it (only defaults were
 * added); otherwise the object's, so an edit made with kubectl shows as drift.
 * A field set only with kubectl, one the applied spec left out, is not seen
 * (as kubectl apply's own three-way merge does not see it).
 */
function asApplied<T extends VolumeSpec | AppSpec>(fromObject: T, metadata: Meta): T {
  const text = metadata.annotations?.[APPLIED_SPEC_ANNOTATION];
  if (!text) return fromObject;
  try {
    const applied = JSON.parse(text) as Partial<T>;
    const { environment: _secret, ...comparable } = fromObject as AppSpec;
    const same = applied.name === fromObject.name && applied.namespace === fromObject.namespace;
    return same && covers(comparable, applied)
      ? { ...(applied as T), ...('environment' in fromObject ? { environment: fromObject.environment } : {}) }
      : fromObject;
  } catch {
    return fromObject;
  }
}

/** The API server validated the object against the same schema; a spec that does not normalise is a bug, said as such. */
function specOf<T>(kind: 'app' | 'volume', result: { ok: true; spec: T } | { ok: false; issues: Issue[] }, id: string): T {
  if (result.ok) return result.spec;
  throw new LttleError(
    'internal',
    `${kind} ${id} in the cluster does not match lttle's schema: ${result.issues.map((i) => `${formatPath(i.path)} ${i.message}`).join('; ')}`,
  );
}

/** An App object as lttled would describe the app; `environment` comes from the Secret it names. */
export function appStatusOf(object: AppCustomResource, environment: Record<string, string>): AppStatus {
  const { metadata } = object;
  const id = `${metadata.namespace}/${metadata.name}`;
  const spec: AppSpec = asApplied(specOf('app', normaliseApp(bodyOfCustomResource('app', object, environment)), id), metadata);
  const s = object.status;
  const deep = s?.state === 'deep-suspended';
  const pagedOut = s?.state === 'paged-out';
  // Before any agent wrote a status the app waits for a host, as lttled's apps wait for a volume.
  const state = (deep || pagedOut ? 'suspended' : s?.state && MACHINE_STATES.includes(s.state) ? s.state : 'waiting') as MachineState;
  const message = s?.message ?? (s?.state ? undefined : 'not placed on a host yet: no node agent has taken it');
  const createdAt = metadata.creationTimestamp ?? '';
  return {
    spec,
    state,
    ...(message ? { message } : {}),
    // The agent reports `host:port` where clients connect and, when it differs, the internal name.
    services: (s?.services ?? []).map((svc) => ({
      name: svc.name,
      address: svc.internalName ?? svc.address,
      hostAddress: svc.address,
      targetPort: spec.expose[svc.name]?.port ?? 0,
    })),
    ...(s?.suspendedSince || deep || pagedOut
      ? {
          flash: {
            resumeCount: 0,
            locksHeld: 0,
            connections: 0,
            ...(s.suspendedSince ? { suspendedSince: s.suspendedSince } : {}),
            ...(deep ? { deep } : {}),
            // The agent reports the tier, not since when it was paged out: the suspend's start stands for it.
            ...(pagedOut ? { pagedOutSince: s.suspendedSince ?? '' } : {}),
          },
        }
      : {}),
    generation: metadata.generation ?? 1,
    observedGeneration: s?.observedGeneration ?? 0,
    createdAt,
    updatedAt: s?.conditions?.[0]?.lastTransitionTime ?? createdAt,
  };
}

/**
 * A Volume object as lttled would describe the volume. The API server storing
 * it is the whole apply: its host makes it when the first app that mounts it
 * is placed there, so a stored volume is ready at its generation.
 */
export function volumeStatusOf(object: VolumeCustomResource, attachedTo?: string): VolumeStatus {
  const { metadata } = object;
  const spec: VolumeSpec = asApplied(
    specOf('volume', normaliseVolume(bodyOfCustomResource('volume', object)), `${metadata.namespace}/${metadata.name}`),
    metadata,
  );
  const s = object.status;
  const state: VolumeState = s?.state === 'failed' ? 'error' : s?.state === 'resizing' ? 'resizing' : 'ready';
  const where = s?.host ? `bound to host ${s.host}` : 'made on the host of the first app that mounts it';
  const createdAt = metadata.creationTimestamp ?? '';
  const generation = metadata.generation ?? 1;
  return {
    spec,
    state,
    sizeBytes: s?.sizeBytes ?? spec.size,
    ...(attachedTo ? { attachedTo } : {}),
    message: s?.message ? `${s.message} (${where})` : where,
    generation,
    observedGeneration: generation,
    createdAt,
    updatedAt: s?.conditions?.[0]?.lastTransitionTime ?? createdAt,
  };
}

/** `spec.resources.memory` or `spec.volumes[0].path` as a path of the document (kebab-case keys, user data kept). */
export function issuePath(field: string): (string | number)[] {
  const parts = field
    .replace(/^spec\./, '')
    .split(/\.|\[|\]/)
    .filter((p) => p !== '');
  return parts.map((p, i) => (/^\d+$/.test(p) ? Number(p) : i > 0 && isDataMap(String(parts[i - 1])) ? p : toKebab(p, 'camel')));
}

/** The issues an API server's refusal names: its causes, or the field of a strict decoding error's message. */
function issuesOf(err: KubeApiError): Issue[] {
  const causes = err.kubeStatus?.details?.causes ?? [];
  const named = causes
    .filter((c) => c.field?.startsWith('spec.'))
    .map((c): Issue => {
      const field = c.field as string;
      // The API server repeats the field (and sometimes the value it got) before its message: keep the message.
      const message = (c.message ?? c.reason ?? 'is invalid')
        .replace(/^Invalid value: (?:"(?:[^"\\]|\\.)*"|[-\w.]+): /, '')
        .replace(/^Invalid value: /, '')
        .replace(`${field} in body `, '')
        .replace(`${field}: `, '');
      return { path: issuePath(field), message };
    });
  if (named.length) return named;
  const unknown = [...(err.kubeStatus?.message ?? '').matchAll(/unknown field "(spec\.[^"]+)"/g)];
  return unknown.map((m) => ({ path: issuePath(m[1]), message: 'is not a field of lttle', atKey: true }));
}

/** The domain error for a refusal of the API server about `kind` `id`: what lttled would have thrown. */
export function refusalError(kind: 'app' | 'volume', id: string, err: KubeApiError): LttleError {
  const message = err.kubeStatus?.message ?? `HTTP ${err.status}`;
  if (err.status === 422 || err.status === 400) {
    const issues = issuesOf(err);
    if (issues.length) return new InvalidError(`invalid ${kind} ${id}: ${issues.map((i) => `${formatPath(i.path)} ${i.message}`).join('; ')}`, issues);
    return new InvalidError(`invalid ${kind} ${id}: ${message}`);
  }
  if (err.status === 404) return NotFoundError.of(`${kind} ${id}`);
  if (err.status === 409) return new ConflictError(`${kind} ${id}: ${message}`);
  if (err.status === 401 || err.status === 403)
    return new LttleError('unauthorized', `${kind} ${id}: the API server refused the credentials of the kubeconfig: ${message}`);
  return new LttleError('internal', `${kind} ${id}: ${message}`);
}
