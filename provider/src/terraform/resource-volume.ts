// lttle_volume: a sparse ext4 file on the host. Size grows in place and never
// shrinks (an error at plan time); name and namespace replace the volume.
import type { RuntimeApi } from '../../../runtime/src/client/api';
import { LttleError } from '../../../schema/src/errors';
import { frontEndName } from '../../../schema/src/casing';
import { diffVolume, equal } from '../../../schema/src/diff';
import { normaliseVolume } from '../../../schema/src/normalize';
import { DEFAULT_NAMESPACE, type VolumeSpec, type VolumeStatus } from '../../../schema/src/types';
import { isUnknown, unknown, type CtyObject } from './cty';
import { attr, error, fromError, type AttributePath, type Diagnostic } from './diagnostics';
import { attributePath, bodyOf, canonicalOf, planDefaults, replacingAttributes } from './model';
import {
  issueDiagnostics,
  parseImportId,
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

const TYPE = 'lttle_volume';

const schema = resourceSchema('volume');

/** The runtime creates and grows volumes synchronously; this only bounds a stuck one. */
const DEFAULT_TIMEOUT_MS = 120_000;

const volumeBody = (v: CtyObject) => bodyOf('volume', v);
const toPath = (path: (string | number)[]): AttributePath => attributePath('volume', path);
const COMPUTED = TERRAFORM_ONLY.volume.status.map((a) => a.name);
const IDENTITY = replacingAttributes('volume');

function validate(config: CtyObject): Diagnostic[] {
  const { body, reader } = volumeBody(config);
  const result = normaliseVolume(body);
  return [...validateTimeouts(config), ...(result.ok ? [] : issueDiagnostics(TYPE, reader.relevant(result.issues), toPath))];
}

function specOf(v: CtyObject): VolumeSpec | undefined {
  // Computed attributes may be unknown; only the configurable ones count.
  const { body, reader } = volumeBody(v);
  if (!reader.complete) return undefined;
  const result = normaliseVolume(body);
  return result.ok ? result.spec : undefined;
}

function plan(req: PlanRequest): PlanResult {
  if (!req.proposed) return { planned: null, requiresReplace: [], diagnostics: [] };
  // Defaults come from the config, not the proposal: an optional+computed
  // attribute removed from the config must go back to its default.
  const planned: CtyObject = req.config ? planDefaults('volume', req.proposed, req.config) : { ...req.proposed };
  planned.id = isUnknown(planned.name) || isUnknown(planned.namespace) ? unknown() : `${str(planned.namespace)}/${str(planned.name)}`;
  if (!req.prior) {
    for (const key of COMPUTED) planned[key] = unknown();
    return { planned, requiresReplace: [], diagnostics: [] };
  }
  const requiresReplace: AttributePath[] = [];
  const diagnostics: Diagnostic[] = [];
  const old = specOf(req.prior);
  const next = specOf(planned);
  if (old && next) {
    const diff = diffVolume(old, next);
    diagnostics.push(...issueDiagnostics(TYPE, diff.errors, toPath));
    for (const change of diff.changes) if (change.replace) requiresReplace.push(attr(change.path[0]));
    if (diff.action !== 'none') {
      planned.state = unknown();
      if (diff.changes.some((c) => c.path[0] === 'size')) planned.size_bytes = unknown();
    }
  } else {
    // Something is unknown until apply: identity that may change replaces.
    for (const key of IDENTITY) if (isUnknown(planned[key]) || planned[key] !== req.prior[key]) requiresReplace.push(attr(key));
    planned.state = unknown();
    planned.size_bytes = unknown();
  }
  return { planned, requiresReplace, diagnostics };
}

export function volumeState(base: CtyObject, status: VolumeStatus): CtyObject {
  return {
    ...base,
    id: `${status.spec.namespace}/${status.spec.name}`,
    name: status.spec.name,
    namespace: status.spec.namespace,
    size_bytes: status.sizeBytes,
    state: status.state,
    attached_to: status.attachedTo ?? null,
  };
}

async function apply(client: RuntimeApi, req: ApplyRequest, options: ApplyOptions): Promise<ApplyResult> {
  if (!req.planned) {
    const prior = req.prior as CtyObject;
    try {
      await within(options.timeoutMs, 'deleting the volume', client.deleteVolume(str(prior.namespace) ?? DEFAULT_NAMESPACE, str(prior.name) ?? ''));
      return { state: null, diagnostics: [] };
    } catch (err) {
      return { state: prior, diagnostics: [fromError(`Cannot delete volume ${str(prior.namespace)}/${str(prior.name)}`, err)] };
    }
  }
  const spec = specOf(req.planned);
  if (!spec) return { state: req.prior, diagnostics: [error('Invalid lttle_volume configuration', 'the planned volume does not validate')] };
  try {
    // Waits until the runtime acted on this generation and the volume is ready.
    const { status } = await client.applyVolumeAndWait(spec, { timeoutMs: options.timeoutMs, signal: options.signal });
    return { state: volumeState(req.planned, status), diagnostics: [] };
  } catch (err) {
    if (err instanceof LttleError && err.issues.length) return { state: req.prior, diagnostics: issueDiagnostics(TYPE, err.issues, toPath) };
    return { state: req.prior, diagnostics: [fromError(`Cannot apply volume ${spec.namespace}/${spec.name}`, err)] };
  }
}

/** Refreshes computed values and takes over drift (size, mode) from the runtime. */
async function read(client: RuntimeApi, state: CtyObject): Promise<CtyObject | null> {
  const status = await client.getVolume(str(state.namespace) ?? DEFAULT_NAMESPACE, str(state.name) ?? '');
  if (!status) return null;
  const next = volumeState(state, status);
  const known = specOf(state);
  const canon = canonicalOf('volume', status.spec);
  for (const field of Object.keys(status.spec) as (keyof VolumeSpec)[]) {
    const attribute = frontEndName(field, 'snake');
    if (!known || !equal(known[field], status.spec[field])) next[attribute] = canon[attribute] ?? null;
  }
  return next;
}

async function importState(client: RuntimeApi, id: string): Promise<CtyObject | null> {
  const ref = parseImportId(id);
  if (!ref) throw new Error(`import id "${id}" must be namespace/name or name`);
  const skeleton: CtyObject = Object.fromEntries(schema.attributes.map((a) => [a.name, null]));
  Object.assign(skeleton, { id, name: ref.name, namespace: ref.namespace });
  return read(client, skeleton);
}

export const volumeResource: Resource = { typeName: TYPE, schema, defaultTimeoutMs: () => DEFAULT_TIMEOUT_MS, validate, plan, apply, read, importState };
