// lttle:index:App: an OCI image booted in a microVM, optionally in flash
// mode. Identity (name, namespace) replaces, deleting first; everything else
// updates in place, the runtime redeploying the machine where needed.
// Create and Update wait until the runtime has acted on the change and the
// app is ready (or suspended, in flash mode); an app that was accepted but
// did not get there is a partial failure, so the engine keeps its id and the
// next `up` updates it.
import { toCasing } from '../../../schema/src/casing';
import { diffApp, equal, REDEPLOY_FIELDS } from '../../../schema/src/diff';
import { normaliseApp } from '../../../schema/src/normalize';
import type { AppSpec, AppStatus } from '../../../schema/src/types';
import { waitOptions, type Context } from './context';
import { InitError } from './errors';
import { normalise, pickInputs } from './properties';
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
import { clone, UNKNOWN, type Decoded, type JsonObject } from './values';

const INPUTS = [
  'name',
  'namespace',
  'image',
  'command',
  'environment',
  'resources',
  'mode',
  'volumes',
  'expose',
  'restartPolicy',
  'tags',
  'dependsOn',
] as const;

const model: Model<AppSpec, AppStatus> = {
  kind: 'app',
  token: 'lttle:index:App',
  inputs: INPUTS,
  computed: ['state', 'services', 'accel', 'generation'],
  alwaysSecret: [['environment']],
  redeployFields: REDEPLOY_FIELDS,
  toSpec: (inputs) => normalise(inputs, normaliseApp),
  specToInputs: (spec) => pickInputs(INPUTS, clone(toCasing(spec, 'camel') as JsonObject)),
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

function check(news: Decoded, _olds: Decoded | undefined, logicalName: string): CheckResult {
  const { inputs, failures } = checkInputs(model, news, logicalName);
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

/** Deleting does not wait (the runtime stops the machine as part of the delete). */
async function remove(ctx: Context, id: string): Promise<void> {
  const ref = parseId(id);
  if (!ref) return; // nothing we could have created
  // Already gone (deleted behind our back) is success: the goal state is reached.
  await ctx.client().deleteApp(ref.namespace, ref.name);
}

export const app: PulumiResource<AppSpec, AppStatus> = {
  ...model,
  check,
  oldInputs: (olds, oldInputs) => oldInputsOf(model, olds, oldInputs),
  diff: (oldIn, news) => diffInputs(model, oldIn, news),
  create,
  read,
  update,
  delete: remove,
};
