// lttle:index:App: an OCI image booted in a microVM, optionally in flash
// mode. Identity (name, namespace) replaces, deleting first; everything else
// updates in place, the runtime redeploying the machine where needed.
// Create and Update wait until the runtime has acted on the change and the
// app is ready (or suspended, in flash mode); an app that was accepted but
// did not get there is a partial failure, so the engine keeps its id and the
// next `up` updates it.
import { toCasing } from '../../../schema/src/casing';
import { diffApp, equal, REDEPLOY_FIELDS } from '../../../schema/src/diff';
import { TimeoutError } from '../../../schema/src/errors';
import { normaliseApp } from '../../../schema/src/normalize';
import { DEFAULT_NAMESPACE, type AppSpec, type AppStatus } from '../../../schema/src/types';
import { isAutonamed, type Naming } from './autonaming';
import { timeoutMs, waitOptions, type Context } from './context';
import { InitError } from './errors';
import { fromModelCamel, inputProperties, normalise, pickInputs, secretProperties } from './properties';
import {
  checkInputs,
  diffInputs,
  DiffKind,
  idOf,
  oldInputsOf,
  parseId,
  parseIdOrThrow,
  previewOutputs,
  priorComputed,
  readResult,
  refuseExisting,
  seal,
  specOrThrow,
  type CheckResult,
  type DiffResult,
  type Model,
  type PulumiResource,
  type Result,
} from './resource';
import { clone, containsUnknown, UNKNOWN, type Decoded, type Json, type JsonObject } from './values';

const INPUTS = inputProperties('app');

const model: Model<AppSpec, AppStatus> = {
  kind: 'app',
  token: 'lttle:index:App',
  inputs: INPUTS,
  computed: ['state', 'services', 'accel', 'generation'],
  alwaysSecret: secretProperties('app'),
  redeployFields: REDEPLOY_FIELDS,
  toSpec: (inputs) => normalise(inputs, normaliseApp),
  specToInputs: (spec) => pickInputs(INPUTS, fromModelCamel(clone(toCasing(spec, 'camel') as JsonObject))),
  outputs(inputs, status) {
    const out: JsonObject = { ...clone(inputs), name: status.spec.name, namespace: status.spec.namespace };
    out.state = status.state;
    // Bumped by every accepted change of the spec (observedGeneration stays internal).
    out.generation = status.generation;
    out.services = status.services.map((svc) => ({ name: svc.name, address: svc.address, hostAddress: svc.hostAddress, targetPort: svc.targetPort }));
    if (status.accel) out.accel = status.accel;
    return out;
  },
  compare: diffApp,
};

/** The [namespace, name] of each mounted volume (as JSON); undefined when any is unknown (preview of a renamed volume). */
function volumeIds(inputs: JsonObject, defaultNamespace: Json | undefined): string[] | undefined {
  const list = Array.isArray(inputs.volumes) ? inputs.volumes : [];
  const ids: string[] = [];
  for (const v of list) {
    const entry: JsonObject = v && typeof v === 'object' && !Array.isArray(v) ? v : {};
    const ns = entry.namespace ?? defaultNamespace ?? DEFAULT_NAMESPACE;
    if (containsUnknown(entry.name) || containsUnknown(ns)) return undefined;
    ids.push(JSON.stringify([ns, entry.name]));
  }
  return ids.sort();
}

/**
 * A mounted volume renamed or dropped replaces the app. When a mounted
 * volume is renamed, the engine asks this Diff with the volume's outputs
 * unknown; "replace" lets it move the app after the new volume exists and
 * before the old one is deleted (an update would leave the old volume
 * attached, and its delete refused). A replacement deletes first unless the
 * app is autonamed (the new app gets a new name) and mounts none of the old
 * app's volumes (a writeable volume is attached to one running app only).
 */
function diff(oldIn: JsonObject, news: Decoded): DiffResult {
  const r = diffInputs(model, oldIn, news);
  const before = volumeIds(oldIn, oldIn.namespace);
  const after = volumeIds(pickInputs(INPUTS, news.value), news.value.namespace);
  // Mounting one more volume is an update (a redeploy); losing or renaming one replaces.
  if (!before || !after || !before.every((id) => after.includes(id))) {
    for (const key of Object.keys(r.detailed)) if (key.startsWith('volumes')) r.detailed[key] = toReplace(r.detailed[key]);
    if (!r.diffs.includes('volumes')) r.diffs.push('volumes');
    if (!r.replaces.includes('volumes')) r.replaces.push('volumes');
    if (!Object.keys(r.detailed).some((k) => k.startsWith('volumes'))) r.detailed.volumes = DiffKind.UPDATE_REPLACE;
    r.changed = true;
  }
  const sharesVolume = !before || !after || before.some((id) => after.includes(id));
  return { ...r, deleteBeforeReplace: r.replaces.length > 0 && (!isAutonamed(news.value) || sharesVolume) };
}

function toReplace(kind: DiffKind): DiffKind {
  if (kind === DiffKind.ADD) return DiffKind.ADD_REPLACE;
  if (kind === DiffKind.DELETE) return DiffKind.DELETE_REPLACE;
  if (kind === DiffKind.UPDATE) return DiffKind.UPDATE_REPLACE;
  return kind;
}

function check(news: Decoded, olds: Decoded | undefined, naming: Naming): CheckResult {
  const { inputs, failures } = checkInputs(model, news, olds, naming);
  return { inputs, failures };
}

async function create(ctx: Context, news: Decoded, preview: boolean, timeoutS: number): Promise<Result> {
  const inputs = pickInputs(INPUTS, news.value);
  if (preview) {
    const computed = Object.fromEntries(model.computed.map((k) => [k, UNKNOWN]));
    return { id: '', outputs: seal(model, previewOutputs(model, inputs, computed), news) };
  }
  const spec = specOrThrow(model, inputs);
  const client = ctx.client();
  if (await client.getApp(spec.namespace, spec.name)) refuseExisting(model.kind, model.token, spec, client.target);
  return apply(ctx, inputs, spec, news, timeoutS);
}

async function update(ctx: Context, id: string, olds: Decoded, news: Decoded, preview: boolean, timeoutS: number): Promise<Result> {
  const inputs = pickInputs(INPUTS, news.value);
  if (preview) {
    const computed = priorComputed(model, olds);
    // The engine previews an update only for a change: any accepted change
    // bumps the generation, and the machine may pass through other states.
    computed.state = UNKNOWN;
    computed.generation = UNKNOWN;
    if (!equal(pickInputs(INPUTS, olds.value).expose, inputs.expose)) computed.services = UNKNOWN;
    return { id, outputs: seal(model, previewOutputs(model, inputs, computed), news) };
  }
  return apply(ctx, inputs, specOrThrow(model, inputs), news, timeoutS);
}

async function apply(ctx: Context, inputs: JsonObject, spec: AppSpec, news: Decoded, timeoutS: number): Promise<Result> {
  const client = ctx.client();
  const id = idOf(spec);
  // The last status seen while waiting; none means the runtime refused the spec.
  const seen: { status?: AppStatus } = {};
  try {
    const { status } = await client.applyAppAndWait(
      spec,
      waitOptions<AppStatus>(ctx, timeoutS, (s) => (seen.status = s)),
    );
    return { id, outputs: seal(model, model.outputs(inputs, status), news) };
  } catch (err) {
    if (!seen.status) throw err;
    // The failure reported is `err`; a fresher status only improves the outputs recorded with it.
    const latest = (await client.getApp(spec.namespace, spec.name).catch(() => undefined)) ?? seen.status;
    const reason = err instanceof Error ? err.message : String(err);
    throw new InitError(id, seal(model, model.outputs(inputs, latest), news), [reason], seal(model, inputs, news));
  }
}

async function read(ctx: Context, id: string, olds: Decoded, oldInputs: Decoded): Promise<Result> {
  const ref = parseIdOrThrow(id, 'postgresql');
  const status = await ctx.client().getApp(ref.namespace, ref.name);
  return status ? readResult(model, status, olds, oldInputs) : { id: '', outputs: {} };
}

/** How long a delete may take when customTimeouts says nothing: the runtime stops the machine first. */
const DELETE_TIMEOUT_MS = 300_000;

/**
 * The runtime answers the delete once the machine has stopped; customTimeouts.delete
 * bounds that wait (a machine that does not stop is reported, not waited on forever).
 */
async function remove(ctx: Context, id: string, timeoutS: number): Promise<void> {
  const ref = parseId(id);
  if (!ref) return; // nothing we could have created
  const ms = timeoutMs(timeoutS, DELETE_TIMEOUT_MS);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`app ${id} was not deleted within ${ms / 1000} s; raise it with customTimeouts (delete)`)), ms);
  });
  try {
    // Already gone (deleted behind our back) is success: the goal state is reached.
    await Promise.race([ctx.client().deleteApp(ref.namespace, ref.name), late]);
  } finally {
    clearTimeout(timer);
  }
}

export const app: PulumiResource<AppSpec, AppStatus> = {
  ...model,
  check,
  oldInputs: (olds, oldInputs) => oldInputsOf(model, olds, oldInputs),
  diff,
  create,
  read,
  update,
  delete: remove,
};
