// What a managed resource or data source implements; provider.ts does the
// protocol plumbing (msgpack, diagnostics, private state) around it.
import type { RuntimeApi } from '../../../runtime/src/client/api';
import { equal } from '../../../schema/src/diff';
import { formatPath, type Issue } from '../../../schema/src/schema';
import { DEFAULT_NAMESPACE } from '../../../schema/src/types';
import { isObject, isUnknown, type CtyObject, type CtyValue } from './cty';
import { error, renderPath, type AttributePath, type Diagnostic } from './diagnostics';
import { parseDuration, type BlockSchema } from './schema';

export interface PlanRequest {
  prior: CtyObject | null;
  /** Terraform's proposal: config merged with prior computed values. */
  proposed: CtyObject | null;
  config: CtyObject | null;
}

export interface PlanResult {
  planned: CtyObject | null;
  requiresReplace: AttributePath[];
  diagnostics: Diagnostic[];
}

export interface ApplyResult {
  state: CtyObject | null;
  diagnostics: Diagnostic[];
  /** Private state to keep (opaque to terraform); undefined keeps the planned one. */
  private?: Buffer;
}

export interface ApplyRequest {
  prior: CtyObject | null;
  /** null: delete. */
  planned: CtyObject | null;
  /** The configuration: the only place write-only values arrive. */
  config?: CtyObject | null;
}

/** How an apply waits for the resource to settle. */
export interface ApplyOptions {
  /** The limit for this create, update or delete: the `timeouts` attribute, else the resource's default. */
  timeoutMs: number;
  /** Aborted by StopProvider: waits end early. */
  signal?: AbortSignal;
}

export interface Resource {
  typeName: string;
  schema: BlockSchema;
  /** How long a create or update may wait when nothing else says. */
  defaultTimeoutMs(): number;
  validate(config: CtyObject): Diagnostic[];
  plan(req: PlanRequest): PlanResult;
  apply(client: RuntimeApi, req: ApplyRequest, options: ApplyOptions): Promise<ApplyResult>;
  /** The current state, or null when the resource is gone; `priv` is the private state of the last apply. */
  read(client: RuntimeApi, state: CtyObject, priv?: Buffer): Promise<CtyObject | null>;
  /** Import by `namespace/name` (or `name` in the default namespace). */
  importState(client: RuntimeApi, id: string): Promise<CtyObject | null>;
}

export interface DataSource {
  typeName: string;
  schema: BlockSchema;
  read(client: RuntimeApi, config: CtyObject): Promise<{ state: CtyObject | null; diagnostics: Diagnostic[] }>;
}

/**
 * Collects a request body for the shared model from a terraform value,
 * leaving out nulls and unknowns; remembers where the unknowns were so that
 * validation does not complain about values it cannot see yet.
 */
export class BodyReader {
  readonly unknownPaths: (string | number)[][] = [];

  /** The value at `path` for the body, or undefined when null or unknown. */
  take<T extends CtyValue>(value: CtyValue | undefined, path: (string | number)[]): T | undefined {
    if (value === null || value === undefined) return undefined;
    if (isUnknown(value)) {
      this.unknownPaths.push(path);
      return undefined;
    }
    return value as T;
  }

  object(value: CtyValue | undefined, path: (string | number)[]): CtyObject | undefined {
    const v = this.take(value, path);
    return isObject(v) ? v : undefined;
  }

  /** A list of known primitives; one unknown element makes the whole list unknown. */
  list<T extends string | number>(value: CtyValue | undefined, path: (string | number)[]): T[] | undefined {
    const v = this.take(value, path);
    if (!Array.isArray(v)) return undefined;
    if (v.some(isUnknown)) {
      this.unknownPaths.push(path);
      return undefined;
    }
    return v as T[];
  }

  /** Issues that are not about a value terraform does not know yet. */
  relevant(issues: Issue[]): Issue[] {
    return issues.filter((issue) => !this.unknownPaths.some((u) => u.length <= issue.path.length && u.every((p, i) => String(p) === String(issue.path[i]))));
  }

  get complete(): boolean {
    return this.unknownPaths.length === 0;
  }
}

/**
 * Whether terraform will apply a change to an existing resource: a
 * configurable attribute of the plan differs from the prior state (even when
 * the model sees the same spec, e.g. "100Mi" for 104857600). Computed values
 * the apply may move must then be planned unknown.
 */
export function configChanged(schema: BlockSchema, prior: CtyObject, planned: CtyObject): boolean {
  return schema.attributes.some((a) => (a.required || a.optional) && !equal(prior[a.name] ?? null, planned[a.name] ?? null));
}

/** Diagnostics for model issues, each pointing at the terraform attribute. */
export function issueDiagnostics(typeName: string, issues: Issue[], toPath: (path: (string | number)[]) => AttributePath): Diagnostic[] {
  return issues.map((issue) => {
    const path = toPath(issue.path);
    const where = path.length ? renderPath(path) : formatPath(issue.path);
    return error(`Invalid ${typeName} configuration`, `${where} ${issue.message}`, path);
  });
}

/** The wait limit for an apply: `timeouts.create|update|delete` when set, else `fallbackMs`. */
export function timeoutOf(req: ApplyRequest, fallbackMs: number): number {
  const op = !req.planned ? 'delete' : req.prior ? 'update' : 'create';
  const source = op === 'delete' ? req.prior : req.planned;
  const timeouts = source?.timeouts;
  const text = isObject(timeouts) ? str(timeouts[op]) : undefined;
  return (text && parseDuration(text)) || fallbackMs;
}

/** Diagnostics for `timeouts` values that are not durations. */
export function validateTimeouts(config: CtyObject): Diagnostic[] {
  const timeouts = config.timeouts;
  if (!isObject(timeouts)) return [];
  return Object.entries(timeouts)
    .filter(([, v]) => typeof v === 'string' && !parseDuration(v))
    .map(([k, v]) =>
      error('Invalid timeout', `timeouts.${k} must be a duration such as "30s", "10m" or "1h30m" (got ${JSON.stringify(v)})`, [
        { attribute_name: 'timeouts' },
        { attribute_name: k },
      ]),
    );
}

/** Runs `work` but gives up after `ms` (for runtime calls that take no deadline of their own). */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s (raise it with the timeouts attribute)`)), ms);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

export function str(v: CtyValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: CtyValue | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** `namespace/name` or `name`; undefined when malformed. */
export function parseImportId(id: string): { namespace: string; name: string } | undefined {
  const parts = id.split('/');
  if (parts.length === 1 && parts[0]) return { namespace: DEFAULT_NAMESPACE, name: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { namespace: parts[0], name: parts[1] };
  return undefined;
}
