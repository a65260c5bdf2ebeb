// What a Pulumi resource type is (volume.ts, app.ts) and the steps both
// share: Check through the shared JSON Schemas, a detailed Diff of
// normalised specs, preview outputs, Read's choice of inputs, secrets on
// outputs, ids.
import { equal, type FieldChange, type Plan } from '../../../schema/src/diff';
import { ConflictError } from '../../../schema/src/errors';
import type { Normalised } from '../../../schema/src/normalize';
import { DEFAULT_NAMESPACE } from '../../../schema/src/types';
import { autoName, DEFAULTS_KEY, isAutonamed, type Naming } from './autonaming';
import type { Context } from './context';
import { PropertyError } from './errors';
import { fieldName, frontEndName } from '../../../schema/src/casing';
import { failureOf, IDENTITY, pickInputs, toPulumiPath, type PropertyFailure } from './properties';
import { clone, containsUnknown, formatPropertyPath, isPrefix, wrapSecrets, type Decoded, type Json, type JsonObject, type PropertyPath } from './values';

export type Kind = 'volume' | 'app' | 'volume-snapshot';

export interface CheckResult {
  /** The checked inputs, secrets wrapped again, the name defaulted. */
  inputs: JsonObject;
  failures: PropertyFailure[];
}

/** pulumirpc.PropertyDiff.Kind */
export enum DiffKind {
  ADD = 0,
  ADD_REPLACE = 1,
  DELETE = 2,
  DELETE_REPLACE = 3,
  UPDATE = 4,
  UPDATE_REPLACE = 5,
}

export interface DiffResult {
  changed: boolean;
  /** Top-level properties whose change replaces the resource. */
  replaces: string[];
  /** Top-level properties that changed. */
  diffs: string[];
  deleteBeforeReplace: boolean;
  /** Property path -> kind; always input diffs. */
  detailed: Record<string, DiffKind>;
  /** For an app: the change boots a new machine. */
  redeploy: boolean;
}

export interface Result {
  id: string;
  outputs: JsonObject;
  /** Read only: the inputs that describe the resource as it is. */
  inputs?: JsonObject;
}

type Named = { name: string; namespace: string };

/** A resource type's properties and how they map to the shared model and back. */
export interface Model<S extends Named, St extends { spec: S }> {
  kind: Kind;
  /** Type token, e.g. lttle:index:Volume. */
  token: string;
  /** Input properties (camelCase), in schema order. */
  inputs: readonly string[];
  /** Output-only properties the runtime computes. */
  computed: readonly string[];
  /** Inputs that are secret whatever the program says (x-secret in the JSON Schemas). */
  alwaysSecret: readonly PropertyPath[];
  /** Inputs whose unknown value (preview) may mean a new machine. */
  redeployFields: readonly string[];
  /** Validates and normalises camelCase inputs; issue paths in camelCase. */
  toSpec(inputs: JsonObject): Normalised<S>;
  /** A normalised spec as inputs (refresh drift, import), in the user's units. */
  specToInputs(spec: S): JsonObject;
  /** Outputs after an apply or read: the inputs as written plus what the runtime reports. */
  outputs(inputs: JsonObject, status: St): JsonObject;
  /** The shared diff rules. */
  compare(old: S, next: S): Plan;
  /**
   * A replacement under a new name creates the new resource first (a volume:
   * its data stays until the app has moved). Apps always delete first: the
   * writeable volume they mount can be attached to one running app only.
   */
  createBeforeDeleteOnRename?: boolean;
}

/** The engine's operations on one resource type; server.ts dispatches to them by type token. */
export interface Operations {
  /** @param olds the previous inputs, if the resource exists */
  check(news: Decoded, olds: Decoded | undefined, naming: Naming): CheckResult;
  /** The inputs a Diff compares against: oldInputs when the engine sends them, else the inputs kept in the outputs. */
  oldInputs(olds: Decoded, oldInputs: Decoded | undefined): JsonObject;
  diff(oldIn: JsonObject, news: Decoded): DiffResult;
  /** Previews never reach the runtime: they return the inputs with computed outputs unknown. */
  create(ctx: Context, news: Decoded, preview: boolean, timeoutS: number): Promise<Result>;
  /** Refresh and import; gone -> empty id, which the engine takes as "deleted outside Pulumi". */
  read(ctx: Context, id: string, olds: Decoded, oldInputs: Decoded): Promise<Result>;
  update(ctx: Context, id: string, olds: Decoded, news: Decoded, preview: boolean, timeoutS: number): Promise<Result>;
  delete(ctx: Context, id: string, timeoutS: number): Promise<void>;
}

export type PulumiResource<S extends Named, St extends { spec: S }> = Model<S, St> & Operations;

export function idOf(spec: Named): string {
  return `${spec.namespace}/${spec.name}`;
}

/** `namespace/name` (or a bare name in the default namespace) -> its parts. */
export function parseId(id: string): Named | undefined {
  const parts = id.split('/');
  if (parts.length === 1 && parts[0]) return { namespace: DEFAULT_NAMESPACE, name: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { namespace: parts[0], name: parts[1] };
  return undefined;
}

/** Read's id: one that is not namespace/name is a mistake of the user's (e.g. in `pulumi import`). */
export function parseIdOrThrow(id: string, example: string): Named {
  const ref = parseId(id);
  if (!ref) throw new PropertyError([{ property: '', reason: `"${id}" is not an lttle id: use namespace/name, e.g. samples/${example}` }]);
  return ref;
}

/** Outputs with secrets marked: what came in secret, plus the type's always-secret properties. */
export function seal<S extends Named, St extends { spec: S }>(model: Model<S, St>, value: JsonObject, inputs: Decoded): JsonObject {
  return wrapSecrets(value, [...inputs.secrets, ...model.alwaysSecret]);
}

export function specOrThrow<S extends Named, St extends { spec: S }>(model: Model<S, St>, inputs: JsonObject): S {
  const result = model.toSpec(inputs);
  if (!result.ok) throw new PropertyError(result.issues.map(failureOf));
  return result.spec;
}

/**
 * Check: without `name`, the resource is autonamed (autonaming.ts); the rest
 * is judged by the shared JSON Schemas (the same rules as `lttle deploy`).
 * Unknown values (preview) are not judged. `spec` is there when the inputs
 * normalise.
 */
export function checkInputs<S extends Named, St extends { spec: S }>(
  model: Model<S, St>,
  news: Decoded,
  olds: Decoded | undefined,
  naming: Naming,
): CheckResult & { spec?: S } {
  const inputs = clone(news.value);
  delete inputs[DEFAULTS_KEY];
  const autonamed = inputs.name === undefined || inputs.name === null;
  let autoname = '';
  if (autonamed) {
    const auto = autoName(naming, olds?.value);
    if ('failure' in auto) return { inputs: wrapSecrets(inputs, news.secrets), failures: [{ property: 'name', reason: auto.failure }] };
    inputs.name = autoname = auto.name;
  }
  const result = model.toSpec(inputs);
  if (autonamed) inputs[DEFAULTS_KEY] = ['name'];
  if (result.ok) return { inputs: wrapSecrets(inputs, news.secrets), failures: [], spec: result.spec };
  const failures = result.issues
    .filter((issue) => !news.unknowns.some((u) => isPrefix(u, issue.path))) // judged once known
    .map((issue) => {
      const failure = failureOf(issue);
      if (autonamed && failure.property === 'name')
        failure.reason += ` (the name "${autoname}" was made from the Pulumi resource name; set \`name\` explicitly)`;
      return failure;
    });
  return { inputs: wrapSecrets(inputs, news.secrets), failures };
}

export function oldInputsOf<S extends Named, St extends { spec: S }>(model: Model<S, St>, olds: Decoded, oldInputs: Decoded | undefined): JsonObject {
  return pickInputs(model.inputs, oldInputs && Object.keys(oldInputs.value).length ? oldInputs.value : olds.value);
}

/**
 * Diff by the shared rules in Pulumi's terms: detailedDiff per property
 * path, `replaces`, deleteBeforeReplace. Normalised specs are compared, so
 * spelling differences ("100Mi" vs 104857600) are no change. Unknown inputs
 * (preview) count as changes of their top-level property. Changes the rules
 * refuse (a volume shrink) show as updates: Check refuses them.
 */
export function diffInputs<S extends Named, St extends { spec: S }>(model: Model<S, St>, oldIn: JsonObject, news: Decoded): DiffResult {
  const newIn = pickInputs(model.inputs, news.value);
  const unknownKeys = model.inputs.filter((k) => containsUnknown(newIn[k]));
  // Judge the known part: unknown properties take their old value, then count as changed below.
  const substituted: JsonObject = { ...newIn };
  for (const key of unknownKeys) {
    if (oldIn[key] !== undefined) substituted[key] = oldIn[key];
    else delete substituted[key];
  }
  const plan = planFor(model, oldIn, substituted);
  // A refused change (a shrink) is refused at Check already. Diff also runs
  // after every Read of `pulumi refresh` (read inputs as olds, stored inputs
  // as news): there it must show the drift, not fail the refresh.
  const refusedChanges: FieldChange[] = plan.errors.map((e) => ({ path: e.path.map(String), kind: 'update', replace: false }));
  const changes: FieldChange[] = [...plan.changes, ...refusedChanges].filter((c) => !unknownKeys.includes(frontEndName(c.path[0], 'camel')));
  for (const key of unknownKeys) changes.push({ path: [key], kind: 'update', replace: IDENTITY.includes(key) });
  const detailed: Record<string, DiffKind> = {};
  const diffs = new Set<string>();
  const replaces = new Set<string>();
  for (const change of changes) {
    const path = toPulumiPath(change.path);
    detailed[formatPropertyPath(path)] = kindOf(change);
    diffs.add(String(path[0]));
    if (change.replace) replaces.add(String(path[0]));
  }
  return {
    changed: changes.length > 0,
    replaces: [...replaces],
    diffs: [...diffs],
    // Names are unique on the host: a replacement under the same name must
    // delete first. A new name can exist beside the old one (createBeforeDeleteOnRename),
    // and an autonamed resource gets a new one (the engine checks it again without olds).
    deleteBeforeReplace: replaces.size > 0 && !isAutonamed(news.value) && (!model.createBeforeDeleteOnRename || sameIdentity(oldIn, newIn, unknownKeys)),
    detailed,
    redeploy: plan.redeploy || unknownKeys.some((k) => model.redeployFields.includes(k)),
  };
}

/** Name and namespace known and unchanged (normalised: namespace defaults to `default`). */
function sameIdentity(oldIn: JsonObject, newIn: JsonObject, unknownKeys: string[]): boolean {
  if (IDENTITY.some((k) => unknownKeys.includes(k))) return true;
  return IDENTITY.every((k) =>
    equal(oldIn[k] ?? (k === 'namespace' ? DEFAULT_NAMESPACE : undefined), newIn[k] ?? (k === 'namespace' ? DEFAULT_NAMESPACE : undefined)),
  );
}

/** The model's plan, or a raw per-property comparison when either side does not normalise. */
function planFor<S extends Named, St extends { spec: S }>(model: Model<S, St>, oldIn: JsonObject, newIn: JsonObject): Plan {
  const a = model.toSpec(oldIn);
  const b = model.toSpec(newIn);
  if (a.ok && b.ok) return model.compare(a.spec, b.spec);
  const changes: FieldChange[] = [];
  for (const key of model.inputs) {
    if (equal(oldIn[key], newIn[key])) continue;
    changes.push({
      path: [fieldName(key, 'camel')],
      kind: oldIn[key] === undefined ? 'add' : newIn[key] === undefined ? 'delete' : 'update',
      replace: IDENTITY.includes(key),
    });
  }
  return { action: changes.length ? 'update' : 'none', changes, deleteBeforeReplace: false, redeploy: false, errors: [] };
}

function kindOf(change: FieldChange): DiffKind {
  if (change.kind === 'add') return change.replace ? DiffKind.ADD_REPLACE : DiffKind.ADD;
  if (change.kind === 'delete') return change.replace ? DiffKind.DELETE_REPLACE : DiffKind.DELETE;
  return change.replace ? DiffKind.UPDATE_REPLACE : DiffKind.UPDATE;
}

/** Outputs of a preview: what is known from the inputs, computed properties as given (known or unknown). */
export function previewOutputs<S extends Named, St extends { spec: S }>(model: Model<S, St>, inputs: JsonObject, computed: Record<string, Json>): JsonObject {
  const out: JsonObject = { ...clone(inputs) };
  if (out.namespace === undefined) out.namespace = DEFAULT_NAMESPACE;
  for (const key of model.computed) if (computed[key] !== undefined) out[key] = computed[key];
  return out;
}

/** The computed outputs kept from the last state, for an update preview to mark what will change. */
export function priorComputed<S extends Named, St extends { spec: S }>(model: Model<S, St>, olds: Decoded): Record<string, Json> {
  const computed: Record<string, Json> = {};
  for (const key of model.computed) if (olds.value[key] !== undefined) computed[key] = olds.value[key];
  return computed;
}

/**
 * Read's result for a resource that exists: the user's spelling ("100Mi")
 * is kept while it still describes the resource, else the inputs report
 * what is there (drift, import).
 */
export function readResult<S extends Named, St extends { spec: S }>(model: Model<S, St>, status: St, olds: Decoded, oldInputs: Decoded): Result {
  const sources = Object.keys(oldInputs.value).length ? oldInputs : olds;
  const known = pickInputs(model.inputs, sources.value);
  const old = Object.keys(known).length ? model.toSpec(known) : undefined;
  const inputs = old?.ok && equal(old.spec, status.spec) ? known : model.specToInputs(status.spec);
  const secrets: Decoded = { value: inputs, secrets: sources.secrets, unknowns: [] };
  return { id: idOf(status.spec), outputs: seal(model, model.outputs(inputs, status), secrets), inputs: seal(model, inputs, secrets) };
}

/** Create never adopts what is already there: that is `pulumi import`. */
export function refuseExisting(kind: Kind, token: string, spec: Named, target: string): never {
  throw new ConflictError(
    `${kind} ${idOf(spec)} already exists on ${target}; import it with \`pulumi import ${token} <name> ${idOf(spec)}\` or choose another name`,
  );
}
