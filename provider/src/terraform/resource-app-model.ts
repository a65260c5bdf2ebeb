// lttle_app values and the shared model: the model body of a terraform
// value (validation, specs), issue paths as attribute paths, and a spec or
// status back in terraform's form (import, refresh, apply results).
import { fromKebab, frontEndName } from '../../../schema/src/casing';
import { deepSuspendAfter, normaliseApp, strategyName } from '../../../schema/src/normalize';
import type { AppSpec, AppStatus, FlashStrategy } from '../../../schema/src/types';
import type { CtyObject, CtyValue } from './cty';
import type { AttributePath, PathStep } from './diagnostics';
import { BodyReader } from './resource';

/** "nth-listen:2" -> {"nth-listen": 2}; anything else goes to the schema as written (which names what is wrong). */
export function parseStrategy(s: string): Exclude<FlashStrategy, string> | string {
  const m = /^(nth-listen|listen-on-port):(\d+)$/.exec(s);
  if (!m) return s;
  return m[1] === 'nth-listen' ? { 'nth-listen': Number(m[2]) } : { 'listen-on-port': Number(m[2]) };
}

export const ENV_ATTRIBUTES = ['environment', 'secret_environment', 'secret_environment_wo'] as const;

/** Which environment keys go where in the state: the rest are secret_environment; write-only ones are left out. */
export interface EnvSplit {
  plain: string[];
  writeOnly: string[];
}

/** Keys set in more than one of the environment attributes (the model would silently take one). */
export function duplicateEnvKeys(v: CtyObject): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const attribute of ENV_ATTRIBUTES) {
    const map = v[attribute];
    if (!map || typeof map !== 'object' || Array.isArray(map)) continue;
    for (const k of Object.keys(map)) (seen.has(k) ? dup : seen).add(k);
  }
  return [...dup];
}

/** The model body (kebab-case, as the YAML) of a terraform app value. */
export function appBody(v: CtyObject, reader = new BodyReader()): { body: Record<string, unknown>; reader: BodyReader } {
  const body: Record<string, unknown> = {};
  const put = (key: string, value: unknown) => {
    if (value !== undefined) body[key] = value;
  };
  put('name', reader.take(v.name, ['name']));
  put('namespace', reader.take(v.namespace, ['namespace']));
  put('image', reader.take(v.image, ['image']));
  put('command', reader.list(v.command, ['command']));
  put('args', reader.list(v.args, ['args']));
  // The three environment attributes are one map for the model.
  let env: Record<string, unknown> | undefined;
  for (const attribute of ENV_ATTRIBUTES) {
    const map = reader.object(v[attribute], [attribute]);
    if (!map) continue;
    env ??= {};
    for (const [k, val] of Object.entries(map)) {
      const x = reader.take(val, ['environment', k]);
      if (x !== undefined) env[k] = x;
    }
  }
  if (env) body.environment = env;
  const res = reader.object(v.resources, ['resources']);
  if (res) {
    const out: Record<string, unknown> = {};
    for (const k of ['cpu', 'memory']) {
      const x = reader.take(res[k], ['resources', k]);
      if (x !== undefined) out[k] = x;
    }
    body.resources = out;
  }
  const mode = reader.object(v.mode, ['mode']);
  if (mode) {
    const flash = reader.object(mode.flash, ['mode', 'flash']);
    if (!flash) body.mode = 'regular';
    else {
      const out: Record<string, unknown> = {};
      const strategy = reader.take<string>(flash.strategy, ['mode', 'flash', 'strategy']);
      if (strategy !== undefined) out.strategy = parseStrategy(strategy);
      const timeout = reader.take(flash.timeout, ['mode', 'flash', 'timeout']);
      if (timeout !== undefined) out.timeout = timeout;
      const deep = reader.take(flash.deep_suspend_after, ['mode', 'flash', 'deep-suspend-after']);
      if (deep !== undefined) out['deep-suspend-after'] = deep;
      body.mode = { flash: out };
    }
  }
  const volumes = reader.take(v.volumes, ['volumes']);
  if (Array.isArray(volumes)) {
    body.volumes = volumes.map((item, i) => {
      const out: Record<string, unknown> = {};
      const obj = reader.object(item, ['volumes', i]) ?? {};
      for (const k of ['name', 'namespace', 'path']) {
        const x = reader.take(obj[k], ['volumes', i, k]);
        if (x !== undefined) out[k] = x;
      }
      return out;
    });
  }
  const expose = reader.object(v.expose, ['expose']);
  if (expose) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(expose)) out[key] = exposeBody(reader, item, ['expose', key]);
    body.expose = out;
  }
  put('restart-policy', reader.take(v.restart_policy, ['restart-policy']));
  put('tags', reader.list(v.tags, ['tags']));
  put('depends-on', reader.list(v.depends_on_apps, ['depends-on']));
  return { body, reader };
}

function exposeBody(reader: BodyReader, item: CtyValue, path: string[]): Record<string, unknown> {
  const obj = reader.object(item, path) ?? {};
  const out: Record<string, unknown> = {};
  const port = reader.take(obj.port, [...path, 'port']);
  if (port !== undefined) out.port = port;
  const internal = reader.object(obj.internal, [...path, 'internal']);
  if (internal) {
    const p = reader.take(internal.port, [...path, 'internal', 'port']);
    const namespaces = reader.list(internal.namespaces, [...path, 'internal', 'namespaces']);
    out.internal = { ...(p === undefined ? {} : { port: p }), ...(namespaces === undefined ? {} : { namespaces }) };
  }
  const external = reader.object(obj.external, [...path, 'external']);
  if (external) {
    const ext: Record<string, unknown> = {};
    const host = reader.take(external.host, [...path, 'external', 'host']);
    if (host !== undefined) ext.host = host;
    const p = reader.take(external.port, [...path, 'external', 'port']);
    if (p !== undefined) ext.port = p;
    out.external = ext;
  }
  const tracking = reader.object(obj.connection_tracking, [...path, 'connection-tracking']);
  if (tracking) {
    const traffic = reader.object(tracking.traffic_aware, [...path, 'connection-tracking', 'traffic-aware']);
    if (!traffic) out['connection-tracking'] = 'connection-aware';
    else {
      const t = reader.take(traffic.inactivity_timeout, [...path, 'connection-tracking', 'traffic-aware', 'inactivity-timeout']);
      out['connection-tracking'] = { 'traffic-aware': t === undefined ? {} : { 'inactivity-timeout': t } };
    }
  }
  return out;
}

/** A model issue path (kebab-case) as the terraform attribute path. */
export function toPath(path: (string | number)[]): AttributePath {
  const steps: PathStep[] = [];
  const [head, ...rest] = path;
  if (head === undefined) return steps;
  const top = String(head);
  steps.push({ attribute_name: attributeOf(top) });
  if (top === 'environment' || top === 'expose') {
    if (rest.length === 0) return steps;
    steps.push({ element_key_string: String(rest[0]) });
    rest.shift();
  }
  for (const part of rest) {
    if (typeof part === 'number' || /^\d+$/.test(part)) {
      steps.push({ element_key_int: Number(part) });
      continue;
    }
    // The model's wrappers without a terraform attribute of their own.
    if (part === 'regular' || part === 'connection-aware') break;
    steps.push({ attribute_name: fromKebab(part, 'snake') });
    // {nth-listen: N} is spelled "nth-listen:N" in the one strategy attribute.
    if (part === 'strategy') break;
  }
  return steps;
}

/** The model spec of a terraform value; undefined while a configurable value is unknown or it does not validate. */
export function specOf(v: CtyObject): AppSpec | undefined {
  // Computed attributes may be unknown; only the configurable ones count.
  const { body, reader } = appBody(v);
  if (!reader.complete) return undefined;
  const result = normaliseApp(body);
  return result.ok ? result.spec : undefined;
}

/** Terraform's form of a model spec, leaving defaults out so an import matches a config that omits them. */
export function canonical(spec: AppSpec, split: EnvSplit = { plain: [], writeOnly: [] }): CtyObject {
  const empty = <T>(list: T[]) => (list.length ? list : null);
  const nonEmpty = (entries: [string, string][]) => (entries.length ? Object.fromEntries(entries) : null);
  const env = Object.entries(spec.environment).filter(([k]) => !split.writeOnly.includes(k));
  return {
    name: spec.name,
    namespace: spec.namespace,
    image: spec.image,
    command: spec.command ?? null,
    args: spec.args ?? null,
    // Unknown keys (an import) are taken as secret: sensitive until the config says otherwise.
    environment: nonEmpty(env.filter(([k]) => split.plain.includes(k))),
    secret_environment: nonEmpty(env.filter(([k]) => !split.plain.includes(k))),
    secret_environment_wo: null,
    resources: { cpu: spec.resources.cpu, memory: spec.resources.memory },
    mode:
      spec.mode === 'regular'
        ? null
        : {
            flash: {
              strategy: strategyName(spec.mode.flash.strategy),
              timeout: spec.mode.flash.timeout,
              deep_suspend_after: deepSuspendAfter(spec.mode),
            },
          },
    volumes: empty(spec.volumes.map((v) => ({ name: v.name, namespace: v.namespace === spec.namespace ? null : v.namespace, path: v.path }))),
    expose: Object.keys(spec.expose).length
      ? Object.fromEntries(
          Object.entries(spec.expose).map(([key, e]) => [
            key,
            {
              port: e.port,
              internal: e.internal ? { port: e.internal.port === e.port ? null : e.internal.port, namespaces: e.internal.namespaces ?? null } : null,
              external: e.external ? { host: e.external.host === '127.0.0.1' ? null : e.external.host, port: e.external.port ?? null } : null,
              connection_tracking:
                e['connection-tracking'] === 'connection-aware'
                  ? null
                  : { traffic_aware: { inactivity_timeout: e['connection-tracking']['traffic-aware']['inactivity-timeout'] } },
            },
          ]),
        )
      : null,
    restart_policy: spec['restart-policy'] === 'always' ? null : spec['restart-policy'],
    tags: empty(spec.tags),
    depends_on_apps: empty(spec['depends-on']),
  };
}

/** The terraform attribute of a model field. */
export function attributeOf(field: string): string {
  return frontEndName(field, 'snake');
}

/** State after an apply or read: the base values plus what the runtime reports (never observedGeneration). */
export function appState(base: CtyObject, status: AppStatus): CtyObject {
  return {
    ...base,
    id: `${status.spec.namespace}/${status.spec.name}`,
    name: status.spec.name,
    namespace: status.spec.namespace,
    state: status.state,
    generation: status.generation,
    services: Object.fromEntries(
      status.services.map((s) => [s.name, { name: s.name, address: s.address, host_address: s.hostAddress, target_port: s.targetPort }]),
    ),
  };
}
