// Diff: the shared diff rules (provider/src/model/diff.ts) in Pulumi's terms —
// detailedDiff per property path, `replaces`, deleteBeforeReplace. Compares
// normalised specs, so spelling differences ("100Mi" vs 104857600,
// "writable" vs "writeable") are no change. Unknown inputs (preview) count as
// changes of their top-level property.
import { diffApp, diffVolume, equal, type FieldChange, type Plan } from '../../../schema/src/diff';
import { PropertyError } from './errors';
import { IDENTITY, INPUTS, pickInputs, toPulumiPath, toSpec, type Kind } from './resources';
import { containsUnknown, formatPropertyPath, type Decoded, type JsonObject } from './values';

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

/** The inputs a Diff compares against: oldInputs when the engine sends them, else the inputs kept in the outputs. */
export function oldInputsOf(kind: Kind, olds: Decoded, oldInputs: Decoded | undefined): JsonObject {
  return pickInputs(kind, oldInputs && Object.keys(oldInputs.value).length ? oldInputs.value : olds.value);
}

export function diff(kind: Kind, oldIn: JsonObject, news: Decoded): DiffResult {
  const newIn = pickInputs(kind, news.value);
  const unknownKeys = INPUTS[kind].filter((k) => containsUnknown(newIn[k]));
  // Judge the known part: unknown properties take their old value, then count as changed below.
  const substituted: JsonObject = { ...newIn };
  for (const key of unknownKeys) {
    if (oldIn[key] !== undefined) substituted[key] = oldIn[key];
    else delete substituted[key];
  }
  const plan = planFor(kind, oldIn, substituted);
  if (plan.errors.length) {
    throw new PropertyError(plan.errors.map((e) => {
      const property = formatPropertyPath(toPulumiPath(e.path));
      return { property, reason: `${property} ${e.message}` };
    }));
  }
  const changes: FieldChange[] = plan.changes.filter((c) => !unknownKeys.includes(camel(c.path[0])));
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
  const redeploy = kind === 'app' && (plan.redeploy || unknownKeys.some((k) => ['image', 'command', 'environment', 'resources', 'volumes'].includes(k)));
  return {
    changed: changes.length > 0,
    replaces: [...replaces],
    diffs: [...diffs],
    // Names are unique on the host: the old resource must go before the new one can exist.
    deleteBeforeReplace: replaces.size > 0,
    detailed,
    redeploy,
  };
}

/** The model's plan, or a raw per-property comparison when either side does not normalise. */
function planFor(kind: Kind, oldIn: JsonObject, newIn: JsonObject): Plan {
  const a = toSpec(kind, oldIn);
  const b = toSpec(kind, newIn);
  if (a.ok && b.ok) {
    return kind === 'volume' ? diffVolume(a.spec as never, b.spec as never) : diffApp(a.spec as never, b.spec as never);
  }
  const changes: FieldChange[] = [];
  for (const key of INPUTS[kind]) {
    if (equal(oldIn[key], newIn[key])) continue;
    const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    changes.push({ path: [kebab], kind: oldIn[key] === undefined ? 'add' : newIn[key] === undefined ? 'delete' : 'update', replace: IDENTITY.includes(key) });
  }
  return { action: changes.length ? 'update' : 'none', changes, deleteBeforeReplace: false, redeploy: false, errors: [] };
}

function camel(key: string): string {
  return key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function kindOf(change: FieldChange): DiffKind {
  if (change.kind === 'add') return change.replace ? DiffKind.ADD_REPLACE : DiffKind.ADD;
  if (change.kind === 'delete') return change.replace ? DiffKind.DELETE_REPLACE : DiffKind.DELETE;
  return change.replace ? DiffKind.UPDATE_REPLACE : DiffKind.UPDATE;
}
