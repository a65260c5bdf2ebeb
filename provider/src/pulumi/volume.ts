// lttle:index:Volume: a sparse ext4 file on the host. The size grows in
// place and never shrinks (refused at Check, so `pulumi preview` already
// says so; Diff shows it, since refresh diffs the host against the program);
// name and namespace replace the volume, the new one created first.
import { delay } from '../../../runtime/src/client/http';
import { toCasing } from '../../../schema/src/casing';
import { schemaDefault } from '../../../schema/src/fields';
import { diffVolume, equal } from '../../../schema/src/diff';
import { LttleError } from '../../../schema/src/errors';
import { normaliseVolume } from '../../../schema/src/normalize';
import { formatSize } from '../../../schema/src/size';
import type { VolumeSpec, VolumeStatus } from '../../../schema/src/types';
import type { Naming } from './autonaming';
import { timeoutMs, waitOptions, type Context } from './context';
import { failureOf, inputProperties, normalise, pickInputs, secretProperties } from './properties';
import {
  checkInputs,
  diffInputs,
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
  type Model,
  type PulumiResource,
  type Result,
} from './resource';
import { clone, UNKNOWN, type Decoded, type Json, type JsonObject } from './values';

const INPUTS = inputProperties('volume');

/** How long Delete retries while the app that used the volume lets go of it (the engine deletes the app first). */
const DETACH_WAIT_MS = 15_000;

const model: Model<VolumeSpec, VolumeStatus> = {
  kind: 'volume',
  token: 'lttle:index:Volume',
  inputs: INPUTS,
  computed: ['sizeBytes', 'state', 'attachedTo'],
  alwaysSecret: secretProperties('volume'),
  redeployFields: [],
  toSpec: (inputs) => normalise(inputs, normaliseVolume),
  specToInputs(spec) {
    const camel = toCasing(spec, 'camel') as JsonObject;
    camel.size = formatSize(spec.size);
    return pickInputs(INPUTS, clone(camel));
  },
  outputs(inputs, status) {
    const out: JsonObject = { ...clone(inputs), name: status.spec.name, namespace: status.spec.namespace };
    out.mode = inputs.mode ?? status.spec.mode;
    out.size = inputs.size ?? formatSize(status.spec.size);
    out.sizeBytes = status.sizeBytes;
    out.state = status.state;
    if (status.attachedTo) out.attachedTo = status.attachedTo;
    return out;
  },
  compare: diffVolume,
  createBeforeDeleteOnRename: true,
};

function check(news: Decoded, olds: Decoded | undefined, naming: Naming): CheckResult {
  const { inputs, failures, spec } = checkInputs(model, news, olds, naming);
  // The shrink rule, here already so that `pulumi preview` refuses it.
  if (spec && olds && Object.keys(olds.value).length && !olds.unknowns.length) {
    const old = model.toSpec(olds.value);
    if (old.ok && old.spec.name === spec.name && old.spec.namespace === spec.namespace) {
      for (const error of diffVolume(old.spec, spec).errors) failures.push(failureOf(error));
    }
  }
  return { inputs, failures };
}

function preview(inputs: JsonObject, computed: Record<string, Json>): JsonObject {
  const out = previewOutputs(model, inputs, computed);
  if (out.mode === undefined) out.mode = schemaDefault<string>('volume', ['mode']);
  return out;
}

async function create(ctx: Context, news: Decoded, isPreview: boolean, timeoutS: number): Promise<Result> {
  const inputs = pickInputs(INPUTS, news.value);
  if (isPreview) {
    const computed = Object.fromEntries(model.computed.map((k) => [k, UNKNOWN]));
    return { id: '', outputs: seal(model, preview(inputs, computed), news) };
  }
  const spec = specOrThrow(model, inputs);
  const client = ctx.client();
  if (await client.getVolume(spec.namespace, spec.name)) refuseExisting(model.kind, model.token, spec, client.target);
  return apply(ctx, inputs, spec, news, timeoutS);
}

async function update(ctx: Context, id: string, olds: Decoded, news: Decoded, isPreview: boolean, timeoutS: number): Promise<Result> {
  const inputs = pickInputs(INPUTS, news.value);
  if (isPreview) {
    const computed = priorComputed(model, olds);
    if (!equal(pickInputs(INPUTS, olds.value).size, inputs.size)) computed.sizeBytes = UNKNOWN;
    return { id, outputs: seal(model, preview(inputs, computed), news) };
  }
  return apply(ctx, inputs, specOrThrow(model, inputs), news, timeoutS);
}

/** Applies and waits until the volume is ready at the accepted generation. */
async function apply(ctx: Context, inputs: JsonObject, spec: VolumeSpec, news: Decoded, timeoutS: number): Promise<Result> {
  const { status } = await ctx.client().applyVolumeAndWait(spec, waitOptions<VolumeStatus>(ctx, timeoutS));
  return { id: idOf(spec), outputs: seal(model, model.outputs(inputs, status), news) };
}

async function read(ctx: Context, id: string, olds: Decoded, oldInputs: Decoded): Promise<Result> {
  const ref = parseIdOrThrow(id, 'pgdata');
  const status = await ctx.client().getVolume(ref.namespace, ref.name);
  return status ? readResult(model, status, olds, oldInputs) : { id: '', outputs: {} };
}

/** Retries while the volume is still attached, up to customTimeouts.delete (default 15 s). */
async function remove(ctx: Context, id: string, timeoutS: number): Promise<void> {
  const ref = parseId(id);
  if (!ref) return; // nothing we could have created
  const client = ctx.client();
  const deadline = Date.now() + timeoutMs(timeoutS, DETACH_WAIT_MS);
  for (;;) {
    try {
      // Already gone (deleted behind our back) is success: the goal state is reached.
      await client.deleteVolume(ref.namespace, ref.name);
      return;
    } catch (err) {
      if (!(err instanceof LttleError) || err.code !== 'conflict' || Date.now() > deadline || ctx.signal.aborted) throw err;
    }
    await delay(250, ctx.signal);
  }
}

export const volume: PulumiResource<VolumeSpec, VolumeStatus> = {
  ...model,
  check,
  oldInputs: (olds, oldInputs) => oldInputsOf(model, olds, oldInputs),
  diff: (oldIn, news) => diffInputs(model, oldIn, news),
  create,
  read,
  update,
  delete: remove,
};
