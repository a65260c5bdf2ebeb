// lttle:index:VolumeSnapshot: a snapshot of a volume (`lttle volume snapshot`),
// its own resource as Kubernetes' VolumeSnapshot and the clouds' disk
// snapshots are. It is the volume's bytes at the instant it was created, so
// every input replaces it; Delete is `snapshot rm`. Rolling the volume back
// is the CLI's `lttle volume snapshot restore` (an action, not a state).
import { diffVolumeSnapshot, equal } from '../../../schema/src/diff';
import { ConflictError, LttleError } from '../../../schema/src/errors';
import { normaliseVolumeSnapshot } from '../../../schema/src/normalize';
import { formatSize } from '../../../schema/src/size';
import { parseSnapshotId, snapshotId } from '../../../schema/src/snapshot-id';
import { DEFAULT_NAMESPACE, type VolumeSnapshot, type VolumeSnapshotSpec } from '../../../schema/src/types';
import type { RuntimeApi } from '../../../runtime/src/client/api';
import type { Naming } from './autonaming';
import { timeoutMs, type Context } from './context';
import { PropertyError } from './errors';
import { inputProperties, normalise, pickInputs } from './properties';
import {
  checkInputs,
  diffInputs,
  DiffKind,
  oldInputsOf,
  previewOutputs,
  seal,
  specOrThrow,
  type CheckResult,
  type DiffResult,
  type Model,
  type PulumiResource,
  type Result,
} from './resource';
import { clone, containsUnknown, UNKNOWN, type Decoded, type JsonObject } from './values';

const INPUTS = inputProperties('volume-snapshot');

/** What Read and Create know of a snapshot: the spec it answers to and the runtime's record. */
export interface SnapshotStatus {
  spec: VolumeSnapshotSpec;
  snapshot: VolumeSnapshot;
}

/** A snapshot is a freeze of the volume's top file: seconds, even under a running app. */
const CREATE_WAIT_MS = 120_000;

const model: Model<VolumeSnapshotSpec, SnapshotStatus> = {
  kind: 'volume-snapshot',
  token: 'lttle:index:VolumeSnapshot',
  inputs: INPUTS,
  computed: ['size', 'sizeBytes', 'createdAt'],
  alwaysSecret: [],
  redeployFields: [],
  toSpec: (inputs) => normalise(inputs, normaliseVolumeSnapshot),
  specToInputs: (spec) => pickInputs(INPUTS, { ...spec }),
  outputs(inputs, { spec, snapshot }) {
    return { ...clone(inputs), ...spec, size: formatSize(snapshot.size), sizeBytes: snapshot.sizeBytes, createdAt: snapshot.createdAt };
  },
  compare: diffVolumeSnapshot,
  // A new name is a second snapshot beside the old one: take it before the old one goes.
  createBeforeDeleteOnRename: true,
};

function check(news: Decoded, olds: Decoded | undefined, naming: Naming): CheckResult {
  const { inputs, failures } = checkInputs(model, news, olds, naming);
  return { inputs, failures };
}

/**
 * Every input replaces, an unknown one too (a volume being replaced has an
 * unknown name at preview: its snapshot must be replaced with it, not updated).
 */
function diff(oldIn: JsonObject, news: Decoded): DiffResult {
  const result = diffInputs(model, oldIn, news);
  const toReplace: Partial<Record<DiffKind, DiffKind>> = {
    [DiffKind.ADD]: DiffKind.ADD_REPLACE,
    [DiffKind.DELETE]: DiffKind.DELETE_REPLACE,
    [DiffKind.UPDATE]: DiffKind.UPDATE_REPLACE,
  };
  const detailed = Object.fromEntries(Object.entries(result.detailed).map(([path, kind]) => [path, toReplace[kind] ?? kind]));
  const replaces = [...new Set([...result.replaces, ...result.diffs])];
  // Same name, namespace and volume (or not known yet): the old snapshot must go first, the names would clash.
  const newIn = pickInputs(INPUTS, news.value);
  const orDefault = (v: JsonObject[string] | undefined, k: string) => v ?? (k === 'namespace' ? DEFAULT_NAMESPACE : undefined);
  const clash = INPUTS.every((k) => containsUnknown(newIn[k]) || equal(orDefault(oldIn[k], k), orDefault(newIn[k], k)));
  return { ...result, detailed, replaces, deleteBeforeReplace: replaces.length > 0 && (result.deleteBeforeReplace || clash) };
}

async function create(ctx: Context, news: Decoded, isPreview: boolean, timeoutS: number): Promise<Result> {
  const inputs = pickInputs(INPUTS, news.value);
  if (isPreview) {
    const computed = Object.fromEntries(model.computed.map((k) => [k, UNKNOWN]));
    return { id: '', outputs: seal(model, previewOutputs(model, inputs, computed), news) };
  }
  const spec = specOrThrow(model, inputs);
  const client = ctx.client();
  const id = snapshotId(spec);
  let snapshot: VolumeSnapshot;
  try {
    snapshot = await withDeadline(client.createVolumeSnapshot(spec.namespace, spec.volume, spec.name), timeoutMs(timeoutS, CREATE_WAIT_MS), id);
  } catch (err) {
    throw blame(err, spec, model.token);
  }
  return { id, outputs: seal(model, model.outputs(inputs, { spec, snapshot }), news) };
}

/** A runtime refusal as the property it is about: the volume that does not exist, the name already taken. */
function blame(err: unknown, spec: VolumeSnapshotSpec, token: string): unknown {
  if (!(err instanceof LttleError)) return err;
  if (err.code === 'not_found')
    return new PropertyError([{ property: 'volume', reason: `volume names ${spec.namespace}/${spec.volume}, which does not exist: ${err.message}` }]);
  if (err.code === 'conflict' && /already has a snapshot/.test(err.message))
    return new ConflictError(`${err.message}; import it with \`pulumi import ${token} <name> ${snapshotId(spec)}\` or choose another name`);
  return err;
}

async function withDeadline<T>(work: Promise<T>, ms: number, id: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`snapshot ${id} was not taken within ${ms / 1000} s (raise it with customTimeouts)`)), ms);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** The snapshot as the runtime lists it; undefined when it (or its volume) is gone. */
async function find(client: RuntimeApi, ref: VolumeSnapshotSpec): Promise<VolumeSnapshot | undefined> {
  try {
    return (await client.listVolumeSnapshots(ref.namespace, ref.volume)).find((s) => s.name === ref.name);
  } catch (err) {
    if (err instanceof LttleError && err.code === 'not_found') return undefined;
    throw err;
  }
}

async function read(ctx: Context, id: string, olds: Decoded, oldInputs: Decoded): Promise<Result> {
  const ref = parseSnapshotId(id);
  if (!ref)
    throw new PropertyError([
      { property: '', reason: `"${id}" is not an lttle snapshot id: use namespace/volume/snapshot, e.g. samples/pgdata/before-migration` },
    ]);
  const snapshot = await find(ctx.client(), ref);
  // Gone (removed with the CLI, or its volume deleted): the engine drops it from the state.
  if (!snapshot) return { id: '', outputs: {} };
  const known = oldInputsOf(model, olds, oldInputs);
  const old = Object.keys(known).length ? model.toSpec(known) : undefined;
  const inputs = old?.ok && equal(old.spec, ref) ? known : model.specToInputs(ref);
  return { id, outputs: model.outputs(inputs, { spec: ref, snapshot }), inputs };
}

/** Update only ever sees a change the diff did not call a replacement: none, since every input replaces. */
async function update(_ctx: Context, id: string, olds: Decoded, news: Decoded): Promise<Result> {
  const inputs = pickInputs(INPUTS, news.value);
  return { id, outputs: seal(model, { ...clone(olds.value), ...inputs }, news) };
}

async function remove(ctx: Context, id: string): Promise<void> {
  const ref = parseSnapshotId(id);
  if (!ref) return; // nothing we could have created
  // Already gone is the goal state: the client answers false.
  await ctx.client().deleteVolumeSnapshot(ref.namespace, ref.volume, ref.name);
}

export const volumeSnapshot: PulumiResource<VolumeSnapshotSpec, SnapshotStatus> = {
  ...model,
  check,
  oldInputs: (olds, oldInputs) => oldInputsOf(model, olds, oldInputs),
  diff,
  create,
  read,
  update,
  delete: remove,
};
