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

/** The API server validated the object against the same schema; a spec that does not normalise is a bug, said as such. */
function specOf<T>(kind: 'app' | 'volume', result: { ok: true; spec: T } | { ok: false; issues: Issue[] }, id: string): T {
  if (result.ok) return result.spec;
  throw new LttleError('internal', `${kind} ${id} in the cluster does not match lttle's schema: ${result.issues.map((i) => `${formatPath(i.path)} ${i.message}`).join('; ')}`);
}

/** An App object as lttled would describe the app; `environment` comes from the Secret it names. */
export function appStatusOf(object: AppCustomResource, environment: Record<string, string>): AppStatus {
  const { metadata } = object;
  const id = `${metadata.namespace}/${metadata.name}`;
  const spec: AppSpec = specOf('app', normaliseApp(bodyOfCustomResource('app', object, environment)), id);
  const s = object.status;
  const deep = s?.state === 'deep-suspended';
  // Before any agent wrote a status the app waits for a host, as lttled's apps wait for a volume.
  const state = (deep ? 'suspended' : s?.state && MACHINE_STATES.includes(s.state) ? s.state : 'waiting') as MachineState;
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
    ...(s?.suspendedSince || deep
      ? { flash: { resumeCount: 0, locksHeld: 0, connections: 0, ...(s.suspendedSince ? { suspendedSince: s.suspendedSince } : {}), ...(deep ? { deep } : {}) } }
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
  const spec: VolumeSpec = specOf('volume', normaliseVolume(bodyOfCustomResource('volume', object)), `${metadata.namespace}/${metadata.name}`);
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
  if (err.status === 401 || err.status === 403) return new LttleError('unauthorized', `${kind} ${id}: the API server refused the credentials of the kubeconfig: ${message}`);
  return new LttleError('internal', `${kind} ${id}: ${message}`);
}
