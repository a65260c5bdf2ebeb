// lttle_volume_snapshot: a snapshot of a volume (`lttle volume snapshot`),
// its own resource as aws_ebs_snapshot and google_compute_snapshot are. A
// snapshot is the volume's bytes at one instant, so every attribute replaces
// it; destroying it is `snapshot rm`. Rolling the volume back to it is the
// CLI's `lttle volume snapshot restore` (an action, not a state).
import type { RuntimeApi } from '../../../runtime/src/client/api';
import { LttleError } from '../../../schema/src/errors';
import { diffVolumeSnapshot } from '../../../schema/src/diff';
import { normaliseVolumeSnapshot } from '../../../schema/src/normalize';
import { formatSize } from '../../../schema/src/size';
import { parseSnapshotId, snapshotId } from '../../../schema/src/snapshot-id';
import type { VolumeSnapshot, VolumeSnapshotSpec } from '../../../schema/src/types';
import { isUnknown, unknown, type CtyObject } from './cty';
import { attr, error, fromError, type AttributePath, type Diagnostic } from './diagnostics';
import { attributePath, bodyOf, planDefaults, replacingAttributes } from './model';
import {
  issueDiagnostics,
  str,
  type ApplyOptions,
  type ApplyRequest,
  type ApplyResult,
  type PlanRequest,
  type PlanResult,
  type Resource,
  validateTimeouts,
  within,
} from './resource';
import { resourceSchema } from './schema-gen';
import { TERRAFORM_ONLY } from './terraform-only';

const TYPE = 'lttle_volume_snapshot';
const KIND = 'volume-snapshot';

const schema = resourceSchema(KIND);

/** A snapshot is a freeze of the volume's top file: seconds, even under a running app. */
const DEFAULT_TIMEOUT_MS = 120_000;

const toPath = (path: (string | number)[]): AttributePath => attributePath(KIND, path);
const COMPUTED = TERRAFORM_ONLY[KIND].status.map((a) => a.name);
const IDENTITY = replacingAttributes(KIND);

function validate(config: CtyObject): Diagnostic[] {
  const { body, reader } = bodyOf(KIND, config);
  const result = normaliseVolumeSnapshot(body);
  return [...validateTimeouts(config), ...(result.ok ? [] : issueDiagnostics(TYPE, reader.relevant(result.issues), toPath))];
}

function specOf(v: CtyObject): VolumeSnapshotSpec | undefined {
  const { body, reader } = bodyOf(KIND, v);
  if (!reader.complete) return undefined;
  const result = normaliseVolumeSnapshot(body);
  return result.ok ? result.spec : undefined;
}

function plan(req: PlanRequest): PlanResult {
  if (!req.proposed) return { planned: null, requiresReplace: [], diagnostics: [] };
  const planned: CtyObject = req.config ? planDefaults(KIND, req.proposed, req.config) : { ...req.proposed };
  const known = IDENTITY.every((key) => !isUnknown(planned[key]));
  planned.id = known ? `${str(planned.namespace)}/${str(planned.volume)}/${str(planned.name)}` : unknown();
  if (!req.prior) {
    for (const key of COMPUTED) planned[key] = unknown();
    return { planned, requiresReplace: [], diagnostics: [] };
  }
  const requiresReplace: AttributePath[] = [];
  const old = specOf(req.prior);
  const next = specOf(planned);
  if (old && next) {
    for (const change of diffVolumeSnapshot(old, next).changes) if (change.replace) requiresReplace.push(attr(change.path[0]));
  } else {
    for (const key of IDENTITY) if (isUnknown(planned[key]) || planned[key] !== req.prior[key]) requiresReplace.push(attr(key));
  }
  // Only `timeouts` can change in place: the snapshot and its computed values stay.
  return { planned, requiresReplace, diagnostics: [] };
}

export function snapshotState(base: CtyObject, snapshot: VolumeSnapshot): CtyObject {
  return {
    ...base,
    id: snapshotId({ namespace: snapshot.namespace, volume: snapshot.volume, name: snapshot.name }),
    name: snapshot.name,
    namespace: snapshot.namespace,
    volume: snapshot.volume,
    size: formatSize(snapshot.size),
    size_bytes: snapshot.sizeBytes,
    created_at: snapshot.createdAt,
  };
}

async function apply(client: RuntimeApi, req: ApplyRequest, options: ApplyOptions): Promise<ApplyResult> {
  if (!req.planned) {
    const prior = req.prior as CtyObject;
    const id = str(prior.id) ?? '';
    try {
      // Already gone (removed with the CLI) is the goal state too: the client answers false.
      await within(
        options.timeoutMs,
        'deleting the snapshot',
        client.deleteVolumeSnapshot(str(prior.namespace) ?? '', str(prior.volume) ?? '', str(prior.name) ?? ''),
      );
      return { state: null, diagnostics: [] };
    } catch (err) {
      return { state: prior, diagnostics: [fromError(`Cannot delete volume snapshot ${id}`, err)] };
    }
  }
  // An update can only be of `timeouts`: nothing to ask the runtime.
  if (req.prior) return { state: req.planned, diagnostics: [] };
  const spec = specOf(req.planned);
  if (!spec) return { state: null, diagnostics: [error(`Invalid ${TYPE} configuration`, 'the planned snapshot does not validate')] };
  try {
    const snapshot = await within(options.timeoutMs, 'taking the snapshot', client.createVolumeSnapshot(spec.namespace, spec.volume, spec.name));
    return { state: snapshotState(req.planned, snapshot), diagnostics: [] };
  } catch (err) {
    const summary = `Cannot take snapshot ${spec.name} of volume ${spec.namespace}/${spec.volume}`;
    // A volume that does not exist is the `volume` attribute's fault; a taken name is `name`'s.
    const at =
      err instanceof LttleError && err.code === 'not_found'
        ? attr('volume')
        : err instanceof LttleError && err.code === 'conflict' && /already has a snapshot/.test(err.message)
          ? attr('name')
          : undefined;
    const diag = fromError(summary, err);
    return { state: null, diagnostics: [at ? { ...diag, attribute: { steps: at } } : diag] };
  }
}

/** The snapshot as the runtime lists it; null when it (or its volume) is gone, which drops it from the state. */
async function find(client: RuntimeApi, ref: VolumeSnapshotSpec): Promise<VolumeSnapshot | null> {
  try {
    return (await client.listVolumeSnapshots(ref.namespace, ref.volume)).find((s) => s.name === ref.name) ?? null;
  } catch (err) {
    if (err instanceof LttleError && err.code === 'not_found') return null;
    throw err;
  }
}

async function read(client: RuntimeApi, state: CtyObject): Promise<CtyObject | null> {
  const ref = { namespace: str(state.namespace) ?? '', volume: str(state.volume) ?? '', name: str(state.name) ?? '' };
  const snapshot = await find(client, ref);
  return snapshot ? snapshotState(state, snapshot) : null;
}

async function importState(client: RuntimeApi, id: string): Promise<CtyObject | null> {
  const ref = parseSnapshotId(id);
  if (!ref) throw new Error(`import id "${id}" must be namespace/volume/snapshot, e.g. samples/pgdata/before-migration`);
  const skeleton: CtyObject = Object.fromEntries(schema.attributes.map((a) => [a.name, null]));
  return read(client, { ...skeleton, ...ref });
}

export const volumeSnapshotResource: Resource = {
  typeName: TYPE,
  schema,
  defaultTimeoutMs: () => DEFAULT_TIMEOUT_MS,
  validate,
  plan,
  apply,
  read,
  importState,
};
