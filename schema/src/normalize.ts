// Defaults, aliases and units: turns a schema-valid document body into the
// normalised spec every other part of lttle works with.
import { resourceFields, schemaDefault, type ResourceKind } from './fields';
import { parseVolumeSize } from './size';
import { validate, type Issue } from './schema';
import {
  DEFAULT_NAMESPACE,
  type AppMode,
  type AppSpec,
  type ConnectionTracking,
  type ExposeSpec,
  type FlashStrategy,
  type RestartPolicy,
  type VolumeMode,
  type VolumeSnapshotSpec,
  type VolumeSpec,
} from './types';

// Every default is the schema's `default`; nothing here repeats one.
const DEFAULT_CPU = schemaDefault<number>('app', ['resources', 'cpu']);
const DEFAULT_MEMORY_MIB = schemaDefault<number>('app', ['resources', 'memory']);
const DEFAULT_FLASH_STRATEGY = schemaDefault<FlashStrategy>('app', ['mode', 'flash', 'strategy']);
const DEFAULT_FLASH_TIMEOUT = schemaDefault<number>('app', ['mode', 'flash', 'timeout']);
const DEFAULT_DEEP_SUSPEND_AFTER = schemaDefault<number>('app', ['mode', 'flash', 'deep-suspend-after']);
const DEFAULT_RESTART_POLICY = schemaDefault<RestartPolicy>('app', ['restart-policy']);
const DEFAULT_EXTERNAL_HOST = schemaDefault<string>('app', ['expose', 'external', 'host']);
const DEFAULT_VOLUME_MODE = schemaDefault<VolumeMode>('volume', ['mode']);

/** The result of normalising: a spec, or the issues that prevent one. */
export type Normalised<T> = { ok: true; spec: T } | { ok: false; issues: Issue[] };

type Raw = Record<string, unknown>;

export function normaliseVolume(body: unknown): Normalised<VolumeSpec> {
  const issues = validate('volume', body);
  if (issues.length) return { ok: false, issues };
  const raw = body as Raw;
  const asked = (raw.mode as string | undefined) ?? DEFAULT_VOLUME_MODE;
  // "writable" and "readonly" are aliases the schema accepts.
  const mode = asked === 'read-only' || asked === 'readonly' ? 'read-only' : 'writeable';
  const spec: VolumeSpec = {
    name: raw.name as string,
    namespace: (raw.namespace as string | undefined) ?? DEFAULT_NAMESPACE,
    mode: mode satisfies VolumeMode,
    size: parseVolumeSize(raw.size as string | number),
  };
  withOtherFields('volume', raw, spec);
  return { ok: true, spec };
}

/** A VolumeSnapshot of the providers: only the namespace has a default. */
export function normaliseVolumeSnapshot(body: unknown): Normalised<VolumeSnapshotSpec> {
  const issues = validate('volume-snapshot', body);
  if (issues.length) return { ok: false, issues };
  const raw = body as Raw;
  const spec: VolumeSnapshotSpec = {
    name: raw.name as string,
    namespace: (raw.namespace as string | undefined) ?? DEFAULT_NAMESPACE,
    volume: raw.volume as string,
  };
  withOtherFields('volume-snapshot', raw, spec);
  return { ok: true, spec };
}

export function normaliseApp(body: unknown): Normalised<AppSpec> {
  const issues = validate('app', body);
  if (issues.length) return { ok: false, issues };
  const raw = body as Raw;
  const namespace = (raw.namespace as string | undefined) ?? DEFAULT_NAMESPACE;
  const resources = (raw.resources ?? {}) as { cpu?: number; memory?: number };
  const spec: AppSpec = {
    name: raw.name as string,
    namespace,
    image: raw.image as string,
    environment: Object.fromEntries(Object.entries((raw.environment ?? {}) as Raw).map(([k, v]) => [k, String(v)])),
    resources: { cpu: resources.cpu ?? DEFAULT_CPU, memory: resources.memory ?? DEFAULT_MEMORY_MIB },
    mode: normaliseMode(raw.mode),
    volumes: ((raw.volumes ?? []) as Raw[]).map((v) => ({
      name: v.name as string,
      namespace: (v.namespace as string | undefined) ?? namespace,
      path: normalisePath(v.path as string),
    })),
    expose: Object.fromEntries(Object.entries((raw.expose ?? {}) as Record<string, Raw>).map(([k, v]) => [k, normaliseExpose(v)])),
    'restart-policy': (raw['restart-policy'] as RestartPolicy | undefined) ?? DEFAULT_RESTART_POLICY,
    tags: (raw.tags as string[] | undefined) ?? [],
    'depends-on': (raw['depends-on'] as string[] | undefined) ?? [],
  };
  if (raw.command !== undefined) spec.command = raw.command as string[];
  if (raw.args !== undefined) spec.args = raw.args as string[];
  withOtherFields('app', raw, spec);
  const semantic = checkApp(spec);
  return semantic.length ? { ok: false, issues: semantic } : { ok: true, spec };
}

/** Seconds suspended before a flash app is deep-suspended (0 = never); the default when unset. */
export function deepSuspendAfter(mode: AppMode): number {
  return mode === 'regular' ? 0 : (mode.flash['deep-suspend-after'] ?? DEFAULT_DEEP_SUSPEND_AFTER);
}

/**
 * Fields the code here does not shape are kept as written, or take their
 * schema default: a field added to the JSON Schema reaches the spec (and the
 * runtime) without a change here.
 */
function withOtherFields(kind: ResourceKind, raw: Raw, spec: object): void {
  const out = spec as Raw;
  for (const field of resourceFields(kind)) {
    const value = raw[field.key] ?? field.default;
    if (!(field.key in out) && value !== undefined) out[field.key] = value;
  }
}

function normaliseMode(raw: unknown): AppMode {
  if (raw === undefined || raw === 'regular') return 'regular';
  const obj = raw as { regular?: unknown; flash?: { strategy?: FlashStrategy; timeout?: number; 'deep-suspend-after'?: number } | null };
  if ('regular' in obj) return 'regular';
  const flash = obj.flash ?? {};
  return {
    flash: {
      strategy: flash.strategy ?? DEFAULT_FLASH_STRATEGY,
      timeout: flash.timeout ?? DEFAULT_FLASH_TIMEOUT,
      // Kept only when given: the default applies at use (deepSuspendAfter), so specs
      // stored before the field existed compare equal and see no spurious change.
      ...(flash['deep-suspend-after'] !== undefined ? { 'deep-suspend-after': flash['deep-suspend-after'] } : {}),
    },
  };
}

function normaliseExpose(raw: Raw): ExposeSpec {
  const port = raw.port as number;
  const tracking = raw['connection-tracking'] as ConnectionTracking | { 'connection-aware': unknown } | undefined;
  const out: ExposeSpec = {
    port,
    'connection-tracking': tracking === undefined || tracking === 'connection-aware' || 'connection-aware' in tracking ? 'connection-aware' : tracking,
  };
  const internal = raw.internal as { port?: number; namespaces?: string[] } | null | undefined;
  const external = raw.external as { host?: string; port?: number } | null | undefined;
  if (internal !== undefined || external === undefined) {
    out.internal = { port: internal?.port ?? port };
    // Sorted and without duplicates, so a reordered list is no change; "*" alone covers every namespace.
    const namespaces = [...new Set(internal?.namespaces ?? [])].sort();
    if (namespaces.length) out.internal.namespaces = namespaces.includes('*') ? ['*'] : namespaces;
  }
  if (external !== undefined) {
    out.external = { host: external?.host === 'localhost' || !external?.host ? DEFAULT_EXTERNAL_HOST : external.host };
    if (external?.port !== undefined) out.external.port = external.port;
  }
  return out;
}

function normalisePath(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '').replace(/\/{2,}/g, '/') : p;
}

/** Rules the schema cannot express: duplicates and overlaps. */
function checkApp(spec: AppSpec): Issue[] {
  const issues: Issue[] = [];
  const paths = new Map<string, number>();
  const volumes = new Map<string, number>();
  spec.volumes.forEach((v, i) => {
    const id = `${v.namespace}/${v.name}`;
    if (volumes.has(id)) issues.push({ path: ['volumes', i, 'name'], message: `mounts volume "${id}" a second time (first at volumes[${volumes.get(id)}])` });
    volumes.set(id, i);
    if (paths.has(v.path)) issues.push({ path: ['volumes', i, 'path'], message: `"${v.path}" is already the mount path of volumes[${paths.get(v.path)}]` });
    paths.set(v.path, i);
  });
  const ports = new Map<number, string>();
  for (const [key, expose] of Object.entries(spec.expose)) {
    if (expose.external?.port !== undefined) {
      const taken = ports.get(expose.external.port);
      if (taken) issues.push({ path: ['expose', key, 'external', 'port'], message: `${expose.external.port} is already used by expose.${taken}` });
      ports.set(expose.external.port, key);
    }
  }
  if (spec['depends-on'].includes(spec.name) || spec['depends-on'].includes(`${spec.namespace}/${spec.name}`)) {
    issues.push({ path: ['depends-on'], message: 'must not name the app itself' });
  }
  if (spec['fork-of'] === spec.name) {
    issues.push({ path: ['fork-of'], message: 'must not name the app itself' });
  }
  return issues;
}

/** Flash strategy as one word for display and the guest agent: "manual", "nth-listen:2". */
export function strategyName(strategy: FlashStrategy): string {
  if (typeof strategy === 'string') return strategy;
  if ('nth-listen' in strategy) return `nth-listen:${strategy['nth-listen']}`;
  return `listen-on-port:${strategy['listen-on-port']}`;
}

/** An app's flash mode as the runtime uses it (strategy by name), or undefined in regular mode. */
export function flashSettings(spec: AppSpec): { strategy: string; timeout: number } | undefined {
  const mode = spec.mode;
  return mode === 'regular' ? undefined : { strategy: strategyName(mode.flash.strategy), timeout: mode.flash.timeout };
}
