// The diff rules both providers and the runtime share (docs/architecture.md):
// identity changes replace (delete before replace); volumes grow in place and
// never shrink; app changes update in place, some by redeploying the machine.
import appSchema from '../app.schema.json';
import volumeSchema from '../volume.schema.json';
import volumeSnapshotSchema from '../volume-snapshot.schema.json';
import { formatSize } from './size';
import type { Issue } from './schema';
import type { AppSpec, VolumeSnapshotSpec, VolumeSpec } from './types';
import type { ChangeRule } from './fields';

export type ChangeKind = 'add' | 'delete' | 'update';

export interface FieldChange {
  /** Path in the normalised spec, e.g. ["environment", "POSTGRES_PASSWORD"]. */
  path: string[];
  kind: ChangeKind;
  /** The change forces a new resource (identity). */
  replace: boolean;
}

export interface Plan {
  action: 'none' | 'create' | 'update' | 'replace';
  changes: FieldChange[];
  /** Replacements must delete first: names are unique on the host. */
  deleteBeforeReplace: boolean;
  /** An app update that boots a new machine (image, command, environment, resources, volumes). */
  redeploy: boolean;
  /** Changes the rules refuse (e.g. shrinking a volume); the plan must not be applied. */
  errors: Issue[];
}

const SCHEMAS = { volume: volumeSchema, app: appSchema, 'volume-snapshot': volumeSnapshotSchema };

export function changeRules(kind: keyof typeof SCHEMAS): Record<string, ChangeRule> {
  const schema = SCHEMAS[kind];
  const props = schema.properties as Record<string, { 'x-on-change'?: ChangeRule }>;
  return Object.fromEntries(Object.entries(props).map(([field, p]) => [field, p['x-on-change'] ?? 'live']));
}

const fieldsWith = (kind: 'volume' | 'app', rule: ChangeRule) =>
  Object.entries(changeRules(kind))
    .filter(([, r]) => r === rule)
    .map(([f]) => f);
const IDENTITY = fieldsWith('app', 'replace');
/** App fields whose change needs a new boot; the rest apply to the running machine. */
export const REDEPLOY_FIELDS: readonly string[] = fieldsWith('app', 'redeploy');
/** Fields compared key by key so a plan names the changed entry, not the whole map. */
const KEYED_MAPS = ['environment', 'expose'];

export function diffVolume(old: VolumeSpec | undefined, next: VolumeSpec): Plan {
  if (!old) return created();
  const plan = compare(old as unknown as Record<string, unknown>, next as unknown as Record<string, unknown>);
  if (next.size < old.size) {
    plan.errors.push({
      path: ['size'],
      message: `must not be smaller than the current ${formatSize(old.size)} of volume ${next.namespace}/${next.name} (asked: ${formatSize(next.size)}): volumes only grow, shrinking would lose data; delete and recreate the volume to shrink it`,
    });
  }
  return plan;
}

/** A snapshot is the volume's bytes of one instant: any change is a new snapshot (x-on-change: replace on every field). */
export function diffVolumeSnapshot(old: VolumeSnapshotSpec | undefined, next: VolumeSnapshotSpec): Plan {
  if (!old) return created();
  const rules = changeRules('volume-snapshot');
  const changes: FieldChange[] = (Object.keys(rules) as (keyof VolumeSnapshotSpec)[])
    .filter((field) => !equal(old[field], next[field]))
    .map((field) => ({ path: [field], kind: 'update', replace: rules[field] === 'replace' }));
  const replace = changes.some((c) => c.replace);
  return { action: changes.length === 0 ? 'none' : replace ? 'replace' : 'update', changes, deleteBeforeReplace: replace, redeploy: false, errors: [] };
}

export function diffApp(old: AppSpec | undefined, next: AppSpec): Plan {
  if (!old) return created();
  const plan = compare(old as unknown as Record<string, unknown>, next as unknown as Record<string, unknown>);
  plan.redeploy = plan.action === 'update' && plan.changes.some((c) => REDEPLOY_FIELDS.includes(c.path[0]));
  return plan;
}

function created(): Plan {
  return { action: 'create', changes: [], deleteBeforeReplace: false, redeploy: false, errors: [] };
}

function compare(old: Record<string, unknown>, next: Record<string, unknown>): Plan {
  const changes: FieldChange[] = [];
  const keys = new Set([...Object.keys(old), ...Object.keys(next)]);
  for (const key of keys) {
    const a = old[key];
    const b = next[key];
    if (equal(a, b)) continue;
    const replace = IDENTITY.includes(key);
    if (KEYED_MAPS.includes(key) && isRecord(a) && isRecord(b)) {
      for (const sub of new Set([...Object.keys(a), ...Object.keys(b)])) {
        if (equal(a[sub], b[sub])) continue;
        changes.push({ path: [key, sub], kind: !(sub in a) ? 'add' : !(sub in b) ? 'delete' : 'update', replace });
      }
    } else {
      changes.push({ path: [key], kind: a === undefined ? 'add' : b === undefined ? 'delete' : 'update', replace });
    }
  }
  const replace = changes.some((c) => c.replace);
  return {
    action: changes.length === 0 ? 'none' : replace ? 'replace' : 'update',
    changes,
    deleteBeforeReplace: replace,
    redeploy: false,
    errors: [],
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural equality of JSON values (key order does not matter). */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => equal(a[k], b[k]));
  }
  return false;
}
