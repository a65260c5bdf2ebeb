// Create, Read, Update, Delete against the lttle runtime. Previews never
// reach here with the runtime: they return the inputs with computed outputs
// unknown. Apps are waited for until ready (or suspended, in flash mode);
// an app that was stored but did not get there is a partial failure, so the
// engine keeps its id and the next `up` updates it.
import { equal } from '../../../schema/src/diff';
import type { RuntimeClient } from '../../../runtime/src/client/client';
import { CancelledError, ConflictError, FailedError, LttleError, NotFoundError, TimeoutError } from '../../../schema/src/errors';
import type { AppSpec, AppStatus, MachineState, VolumeSpec, VolumeStatus } from '../../../schema/src/types';
import { InitError, PropertyError } from './errors';
import {
  ALWAYS_SECRET,
  COMPUTED,
  idOf,
  outputsFromStatus,
  parseId,
  pickInputs,
  previewOutputs,
  specToInputs,
  toSpec,
  type Kind,
} from './resources';
import { UNKNOWN, wrapSecrets, type Decoded, type Json, type JsonObject, type PropertyPath } from './values';
import { formatPropertyPath } from './values';

/** When customTimeouts says nothing: booting PostgreSQL under TCG takes a while. */
export const DEFAULT_TIMEOUT_S = 600;

export interface Context {
  client: () => RuntimeClient;
  /** Aborted by Cancel: waits stop early. */
  signal: AbortSignal;
}

export interface Result {
  id: string;
  outputs: JsonObject;
  /** Read only: the inputs that describe the resource as it is. */
  inputs?: JsonObject;
}

/** Secret paths of outputs: what came in secret, plus the always-secret properties. */
function secretPaths(kind: Kind, inputs: Decoded): PropertyPath[] {
  return [...inputs.secrets, ...ALWAYS_SECRET[kind]];
}

function seal(kind: Kind, value: JsonObject, inputs: Decoded): JsonObject {
  return wrapSecrets(value, secretPaths(kind, inputs));
}

function specOrThrow(kind: Kind, inputs: JsonObject): VolumeSpec | AppSpec {
  const result = toSpec(kind, inputs);
  if (!result.ok) {
    throw new PropertyError(result.issues.map((i) => {
      const property = formatPropertyPath(i.path as PropertyPath);
      return { property, reason: `${property} ${i.message}` };
    }));
  }
  return result.spec;
}

export async function create(ctx: Context, kind: Kind, news: Decoded, preview: boolean, timeoutS: number): Promise<Result> {
  const inputs = pickInputs(kind, news.value);
  if (preview) {
    const computed = Object.fromEntries(COMPUTED[kind].map((k) => [k, UNKNOWN])) as Record<string, Json>;
    return { id: '', outputs: seal(kind, previewOutputs(kind, inputs, computed), news) };
  }
  const spec = specOrThrow(kind, inputs);
  const client = ctx.client();
  const existing = kind === 'volume' ? await client.getVolume(spec.namespace, spec.name) : await client.getApp(spec.namespace, spec.name);
  if (existing) {
    throw new ConflictError(`${kind} ${idOf(spec)} already exists on ${client.target}; import it with \`pulumi import ${kind === 'volume' ? 'lttle:index:Volume' : 'lttle:index:App'} <name> ${idOf(spec)}\` or choose another name`);
  }
  return apply(ctx, kind, inputs, spec, news, timeoutS, undefined);
}

export async function update(ctx: Context, kind: Kind, id: string, olds: Decoded, news: Decoded, preview: boolean, timeoutS: number): Promise<Result> {
  const inputs = pickInputs(kind, news.value);
  if (preview) {
    const oldIn = pickInputs(kind, olds.value);
    const computed: Record<string, Json> = {};
    for (const key of COMPUTED[kind]) if (olds.value[key] !== undefined) computed[key] = olds.value[key];
    if (kind === 'volume' && !equal(oldIn.size, inputs.size)) computed.sizeBytes = UNKNOWN;
    if (kind === 'app') {
      computed.state = UNKNOWN;
      computed.generation = UNKNOWN;
      if (!equal(oldIn.expose, inputs.expose)) computed.services = UNKNOWN;
    }
    return { id, outputs: seal(kind, previewOutputs(kind, inputs, computed), news) };
  }
  const spec = specOrThrow(kind, inputs);
  const oldGeneration = typeof olds.value.generation === 'number' ? olds.value.generation : undefined;
  return apply(ctx, kind, inputs, spec, news, timeoutS, oldGeneration);
}

async function apply(ctx: Context, kind: Kind, inputs: JsonObject, spec: VolumeSpec | AppSpec, news: Decoded, timeoutS: number, oldGeneration: number | undefined): Promise<Result> {
  const client = ctx.client();
  const id = idOf(spec);
  if (kind === 'volume') {
    const { status } = await client.applyVolume(spec as VolumeSpec);
    const ready = status.state === 'ready' ? status : await waitForVolume(ctx, spec as VolumeSpec, timeoutS);
    return { id, outputs: seal(kind, outputsFromStatus(kind, inputs, ready), news) };
  }
  const { status, plan } = await client.applyApp(spec as AppSpec);
  // A redeploy boots a new machine: wait for the new generation, not the old machine's "ready".
  const minGeneration = plan.redeploy && oldGeneration !== undefined ? oldGeneration + 1 : 0;
  try {
    const ready = await waitForApp(ctx, spec as AppSpec, timeoutS, minGeneration);
    return { id, outputs: seal(kind, outputsFromStatus(kind, inputs, ready), news) };
  } catch (err) {
    const latest = (await client.getApp(spec.namespace, spec.name).catch(() => undefined)) ?? status;
    const reason = err instanceof Error ? err.message : String(err);
    throw new InitError(id, seal(kind, outputsFromStatus(kind, inputs, latest), news), [reason], seal(kind, inputs, news));
  }
}

/** States in which an app counts as up: flash apps may already be suspended when we look. */
function readyStates(spec: AppSpec): MachineState[] {
  return spec.mode === 'regular' ? ['ready'] : ['ready', 'suspending', 'suspended'];
}

async function waitForApp(ctx: Context, spec: AppSpec, timeoutS: number, minGeneration: number): Promise<AppStatus> {
  const client = ctx.client();
  const limitS = timeoutS > 0 ? timeoutS : DEFAULT_TIMEOUT_S;
  const deadline = Date.now() + limitS * 1000;
  const wanted = readyStates(spec);
  for (;;) {
    const status = await client.getApp(spec.namespace, spec.name);
    if (!status) throw new NotFoundError(`app ${idOf(spec)} disappeared while waiting for it to become ready`);
    if (status.generation >= minGeneration && wanted.includes(status.state)) return status;
    if (status.generation >= minGeneration && (status.state === 'error' || status.state === 'stopped')) {
      throw new FailedError(`app ${idOf(spec)} is ${status.state}${status.message ? `: ${status.message}` : ''}`);
    }
    if (ctx.signal.aborted) throw new CancelledError(`cancelled while waiting for app ${idOf(spec)} (state: ${status.state})`);
    if (Date.now() > deadline) {
      throw new TimeoutError(`app ${idOf(spec)} did not become ${wanted.join(' or ')} within ${Math.round(limitS)}s (state: ${status.state}${status.message ? `, ${status.message}` : ''}); raise it with customTimeouts`);
    }
    await sleep(250, ctx.signal);
  }
}

async function waitForVolume(ctx: Context, spec: VolumeSpec, timeoutS: number): Promise<VolumeStatus> {
  const client = ctx.client();
  const deadline = Date.now() + (timeoutS > 0 ? timeoutS : DEFAULT_TIMEOUT_S) * 1000;
  for (;;) {
    const status = await client.getVolume(spec.namespace, spec.name);
    if (!status) throw new NotFoundError(`volume ${idOf(spec)} disappeared while it was being created`);
    if (status.state === 'ready') return status;
    if (status.state === 'error') throw new FailedError(`volume ${idOf(spec)} failed${status.message ? `: ${status.message}` : ''}`);
    if (ctx.signal.aborted || Date.now() > deadline) throw new TimeoutError(`volume ${idOf(spec)} is still ${status.state}`);
    await sleep(100, ctx.signal);
  }
}

/**
 * Refresh and import. `olds` are the last outputs and `oldInputs` the last
 * inputs (both empty for an import). Gone -> empty id, which the engine
 * takes as "deleted outside Pulumi".
 */
export async function read(ctx: Context, kind: Kind, id: string, olds: Decoded, oldInputs: Decoded): Promise<Result> {
  const ref = parseId(id);
  if (!ref) throw new PropertyError([{ property: '', reason: `"${id}" is not an lttle id: use namespace/name, e.g. samples/${kind === 'volume' ? 'pgdata' : 'postgresql'}` }]);
  const client = ctx.client();
  const status: VolumeStatus | AppStatus | undefined = kind === 'volume' ? await client.getVolume(ref.namespace, ref.name) : await client.getApp(ref.namespace, ref.name);
  if (!status) return { id: '', outputs: {} };
  const known = pickInputs(kind, Object.keys(oldInputs.value).length ? oldInputs.value : olds.value);
  const sources = Object.keys(oldInputs.value).length ? oldInputs : olds;
  // Keep the user's spelling ("100Mi") while it still describes the resource; else report what is there.
  const old = Object.keys(known).length ? toSpec(kind, known) : undefined;
  const inputs = old?.ok && equal(old.spec, status.spec) ? known : specToInputs(kind, status.spec);
  const secrets: Decoded = { value: inputs, secrets: sources.secrets, unknowns: [] };
  return { id: idOf(status.spec), outputs: seal(kind, outputsFromStatus(kind, inputs, status), secrets), inputs: seal(kind, inputs, secrets) };
}

export async function remove(ctx: Context, kind: Kind, id: string): Promise<void> {
  const ref = parseId(id);
  if (!ref) return; // nothing we could have created
  const client = ctx.client();
  // Already gone (deleted behind our back) is success: the goal state is reached.
  if (kind === 'app') {
    await client.deleteApp(ref.namespace, ref.name);
    return;
  }
  // The engine deletes the app first; its machine may still be letting go of the volume.
  const deadline = Date.now() + VOLUME_DETACH_WAIT_MS;
  for (;;) {
    try {
      await client.deleteVolume(ref.namespace, ref.name);
      return;
    } catch (err) {
      if (!(err instanceof LttleError) || err.code !== 'conflict' || Date.now() > deadline || ctx.signal.aborted) throw err;
    }
    await sleep(250, ctx.signal);
  }
}

const VOLUME_DETACH_WAIT_MS = 15_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
