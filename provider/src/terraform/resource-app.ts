// lttle_app: an OCI image booted in a microVM, optionally in flash mode.
// Terraform shape of the model (snake_case, nested attributes):
//   mode = { flash = { strategy = "manual", timeout = 3 } }   (omitted: regular)
//   strategy "nth-listen:N" / "listen-on-port:P" for the parameterised ones
//   expose = { access = { port = 5432, internal = {},
//              connection_tracking = { traffic_aware = { inactivity_timeout = 30 } } } }
//   depends_on_apps: `depends_on` is a terraform meta-argument.
// Identity (name, namespace) replaces; everything else updates in place, the
// runtime redeploying the machine where needed.
import type { RuntimeClient } from '../../../runtime/src/client/client';
import { FailedError, LttleError, NotFoundError, TimeoutError } from '../../../schema/src/errors';
import { diffApp, equal } from '../../../schema/src/diff';
import { normaliseApp, strategyName } from '../../../schema/src/normalize';
import { DEFAULT_NAMESPACE, type AppSpec, type AppStatus, type FlashStrategy, type MachineState } from '../../../schema/src/types';
import { isUnknown, unknown, type CtyObject, type CtyValue } from './cty';
import { attr, error, fromError, type AttributePath, type Diagnostic, type PathStep } from './diagnostics';
import { log } from './log';
import { BodyReader, issueDiagnostics, parseImportId, str, type ApplyResult, type PlanRequest, type PlanResult, type Resource } from './resource';
import type { Attribute, BlockSchema } from './schema';

export const TYPE = 'lttle_app';

const servicesType = ['map', ['object', { name: 'string', address: 'string', host_address: 'string', target_port: 'number' }]] as const;

export const appAttributes: Attribute[] = [
  { name: 'id', type: 'string', computed: true, description: '`namespace/name`.' },
  { name: 'name', type: 'string', required: true, description: 'Unique name of the app in its namespace. Changing it replaces the app.' },
  { name: 'namespace', type: 'string', optional: true, computed: true, description: 'Namespace (default "default"). Changing it replaces the app.' },
  { name: 'image', type: 'string', required: true, description: 'OCI image reference, e.g. ghcr.io/lttle-cloud/postgres:17-flash.' },
  { name: 'command', type: ['list', 'string'], optional: true, description: "Overrides the image's entrypoint and command." },
  { name: 'environment', type: ['map', 'string'], optional: true, sensitive: true, description: 'Environment variables; values are secret.' },
  {
    name: 'resources',
    optional: true,
    description: 'vCPUs and memory.',
    nested: {
      nesting: 'single',
      attributes: [
        { name: 'cpu', type: 'number', optional: true, description: 'Number of vCPUs (default 1).' },
        { name: 'memory', type: 'number', optional: true, description: 'Memory in MiB (default 256).' },
      ],
    },
  },
  {
    name: 'mode',
    optional: true,
    description: 'Omitted or without flash: regular. With flash: snapshot when ready, suspend when idle, resume on connect.',
    nested: {
      nesting: 'single',
      attributes: [
        {
          name: 'flash',
          optional: true,
          description: 'Flash mode.',
          nested: {
            nesting: 'single',
            attributes: [
              { name: 'strategy', type: 'string', optional: true, description: 'manual, first-listen (default), user-space-ready, nth-listen:N or listen-on-port:P.' },
              { name: 'timeout', type: 'number', optional: true, description: 'Idle seconds before suspending (default 10).' },
            ],
          },
        },
      ],
    },
  },
  {
    name: 'volumes',
    optional: true,
    description: 'Volumes mounted into the machine.',
    nested: {
      nesting: 'list',
      attributes: [
        { name: 'name', type: 'string', required: true, description: 'Volume name.' },
        { name: 'namespace', type: 'string', optional: true, description: "Volume namespace (default: the app's)." },
        { name: 'path', type: 'string', required: true, description: 'Absolute mount path.' },
      ],
    },
  },
  {
    name: 'expose',
    optional: true,
    description: 'Services by name.',
    nested: {
      nesting: 'map',
      attributes: [
        { name: 'port', type: 'number', required: true, description: 'Port the app listens on inside the machine.' },
        { name: 'internal', optional: true, description: 'Internal service address.', nested: { nesting: 'single', attributes: [{ name: 'port', type: 'number', optional: true, description: "Service port (default: the app's port)." }] } },
        {
          name: 'external',
          optional: true,
          description: 'Listener on the host.',
          nested: {
            nesting: 'single',
            attributes: [
              { name: 'host', type: 'string', optional: true, description: 'Loopback address (default 127.0.0.1).' },
              { name: 'port', type: 'number', optional: true, description: 'Host port (default: any free port).' },
            ],
          },
        },
        {
          name: 'connection_tracking',
          optional: true,
          description: 'Omitted: connection-aware. traffic_aware: idle connections stop counting after inactivity_timeout seconds.',
          nested: {
            nesting: 'single',
            attributes: [
              {
                name: 'traffic_aware',
                optional: true,
                description: 'Traffic-aware tracking.',
                nested: { nesting: 'single', attributes: [{ name: 'inactivity_timeout', type: 'number', required: true, description: 'Seconds.' }] },
              },
            ],
          },
        },
      ],
    },
  },
  { name: 'restart_policy', type: 'string', optional: true, description: 'always (default), on-failure, never or remove.' },
  { name: 'tags', type: ['list', 'string'], optional: true, description: 'Tags.' },
  { name: 'depends_on_apps', type: ['list', 'string'], optional: true, description: 'Apps (name or namespace/name) started before this one.' },
  { name: 'state', type: 'string', computed: true, description: 'Machine state: ready, suspended, ...' },
  { name: 'generation', type: 'number', computed: true, description: 'Increments each time the machine is redeployed.' },
  { name: 'services', type: servicesType as unknown as Attribute['type'], computed: true, description: 'Services by expose key: name, address (internal), host_address (127.0.0.1:port), target_port.' },
];

const schema: BlockSchema = { version: 0, description: 'An app in a lttle microVM.', attributes: appAttributes };

const SETTLED: MachineState[] = ['ready', 'suspended'];
const COMPUTED = ['state', 'generation', 'services'];

function applyTimeoutMs(): number {
  const s = Number(process.env.LTTLE_TF_APPLY_TIMEOUT || 900);
  return (Number.isFinite(s) && s > 0 ? s : 900) * 1000;
}

/** "nth-listen:2" -> {"nth-listen": 2}; anything else goes to the schema as written. */
export function parseStrategy(s: string): FlashStrategy | string {
  const m = /^(nth-listen|listen-on-port):(\d+)$/.exec(s);
  if (!m) return s;
  return m[1] === 'nth-listen' ? { 'nth-listen': Number(m[2]) } : { 'listen-on-port': Number(m[2]) };
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
  const env = reader.object(v.environment, ['environment']);
  if (env) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(env)) {
      const x = reader.take(val, ['environment', k]);
      if (x !== undefined) out[k] = x;
    }
    body.environment = out;
  }
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
    out.internal = p === undefined ? {} : { port: p };
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

const TOP_LEVEL: Record<string, string> = { 'restart-policy': 'restart_policy', 'depends-on': 'depends_on_apps' };

/** A model issue path (kebab-case) as the terraform attribute path. */
export function toPath(path: (string | number)[]): AttributePath {
  const steps: PathStep[] = [];
  const [head, ...rest] = path;
  if (head === undefined) return steps;
  const top = String(head);
  steps.push({ attribute_name: TOP_LEVEL[top] ?? top });
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
    steps.push({ attribute_name: part.replace(/-/g, '_') });
    // {nth-listen: N} is spelled "nth-listen:N" in the one strategy attribute.
    if (part === 'strategy') break;
  }
  return steps;
}

function validate(config: CtyObject): Diagnostic[] {
  const { body, reader } = appBody(config);
  const result = normaliseApp(body);
  if (result.ok) return [];
  return issueDiagnostics(TYPE, reader.relevant(result.issues), toPath).map((d) =>
    d.attribute?.steps.some((s) => 'attribute_name' in s && s.attribute_name === 'strategy') ? { ...d, detail: `${d.detail} (in terraform: "nth-listen:N" or "listen-on-port:P" for the parameterised strategies)` } : d,
  );
}

function specOf(v: CtyObject): AppSpec | undefined {
  // Computed attributes may be unknown; only the configurable ones count.
  const { body, reader } = appBody(v);
  if (!reader.complete) return undefined;
  const result = normaliseApp(body);
  return result.ok ? result.spec : undefined;
}

function plan(req: PlanRequest): PlanResult {
  if (!req.proposed) return { planned: null, requiresReplace: [], diagnostics: [] };
  const planned: CtyObject = { ...req.proposed };
  if (req.config && req.config.namespace === null) planned.namespace = DEFAULT_NAMESPACE;
  planned.id = isUnknown(planned.name) || isUnknown(planned.namespace) ? unknown() : `${planned.namespace}/${planned.name}`;
  if (!req.prior) {
    for (const key of COMPUTED) planned[key] = unknown();
    return { planned, requiresReplace: [], diagnostics: [] };
  }
  const requiresReplace: AttributePath[] = [];
  const old = specOf(req.prior);
  const next = specOf(planned);
  if (old && next) {
    const diff = diffApp(old, next);
    for (const change of diff.changes) if (change.replace && !requiresReplace.length) requiresReplace.push(...identityPaths(req.prior, planned));
    if (diff.action !== 'none') {
      planned.state = unknown();
      if (diff.redeploy) planned.generation = unknown();
      if (diff.redeploy || diff.changes.some((c) => c.path[0] === 'expose')) planned.services = unknown();
    }
  } else {
    requiresReplace.push(...identityPaths(req.prior, planned));
    for (const key of COMPUTED) planned[key] = unknown();
  }
  return { planned, requiresReplace, diagnostics: [] };
}

function identityPaths(prior: CtyObject, planned: CtyObject): AttributePath[] {
  return ['name', 'namespace'].filter((k) => isUnknown(planned[k]) || planned[k] !== prior[k]).map((k) => attr(k));
}

/** Terraform's form of a model spec, leaving defaults out so an import matches a config that omits them. */
export function canonical(spec: AppSpec): CtyObject {
  const empty = <T>(list: T[]) => (list.length ? list : null);
  return {
    name: spec.name,
    namespace: spec.namespace,
    image: spec.image,
    command: spec.command ?? null,
    environment: Object.keys(spec.environment).length ? { ...spec.environment } : null,
    resources: { cpu: spec.resources.cpu, memory: spec.resources.memory },
    mode: spec.mode === 'regular' ? null : { flash: { strategy: strategyName(spec.mode.flash.strategy), timeout: spec.mode.flash.timeout } },
    volumes: empty(spec.volumes.map((v) => ({ name: v.name, namespace: v.namespace === spec.namespace ? null : v.namespace, path: v.path }))),
    expose: Object.keys(spec.expose).length
      ? Object.fromEntries(
          Object.entries(spec.expose).map(([key, e]) => [
            key,
            {
              port: e.port,
              internal: e.internal ? { port: e.internal.port === e.port ? null : e.internal.port } : null,
              external: e.external ? { host: e.external.host === '127.0.0.1' ? null : e.external.host, port: e.external.port ?? null } : null,
              connection_tracking: e['connection-tracking'] === 'connection-aware' ? null : { traffic_aware: { inactivity_timeout: e['connection-tracking']['traffic-aware']['inactivity-timeout'] } },
            },
          ]),
        )
      : null,
    restart_policy: spec['restart-policy'] === 'always' ? null : spec['restart-policy'],
    tags: empty(spec.tags),
    depends_on_apps: empty(spec['depends-on']),
  };
}

const FIELD_TO_ATTRIBUTE: Record<string, string> = { 'restart-policy': 'restart_policy', 'depends-on': 'depends_on_apps' };

export function appState(base: CtyObject, status: AppStatus): CtyObject {
  return {
    ...base,
    id: `${status.spec.namespace}/${status.spec.name}`,
    name: status.spec.name,
    namespace: status.spec.namespace,
    state: status.state,
    generation: status.generation,
    services: Object.fromEntries(status.services.map((s) => [s.name, { name: s.name, address: s.address, host_address: s.hostAddress, target_port: s.targetPort }])),
  };
}

/** Polls until the app settles (ready or suspended) at a generation >= `generation`. */
async function waitSettled(client: RuntimeClient, namespace: string, name: string, generation: number): Promise<AppStatus> {
  const timeoutMs = applyTimeoutMs();
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const status = await client.getApp(namespace, name);
    if (!status) throw new NotFoundError(`app ${namespace}/${name} disappeared while being applied`);
    if (status.state !== last) log('debug', 'app state', { app: `${namespace}/${name}`, state: status.state });
    last = status.state;
    if (status.generation >= generation && SETTLED.includes(status.state)) return status;
    if (status.state === 'error' || status.state === 'stopped') {
      throw new FailedError(`app ${namespace}/${name} is ${status.state}${status.message ? `: ${status.message}` : ''}`);
    }
    if (Date.now() > deadline) {
      throw new TimeoutError(`app ${namespace}/${name} did not become ready or suspended within ${timeoutMs / 1000}s (state: ${status.state}${status.message ? `, ${status.message}` : ''}); set LTTLE_TF_APPLY_TIMEOUT (seconds) to wait longer`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function apply(client: RuntimeClient, req: { prior: CtyObject | null; planned: CtyObject | null }): Promise<ApplyResult> {
  if (!req.planned) {
    const prior = req.prior as CtyObject;
    try {
      await client.deleteApp(str(prior.namespace) ?? DEFAULT_NAMESPACE, str(prior.name) ?? '');
      return { state: null, diagnostics: [] };
    } catch (err) {
      return { state: prior, diagnostics: [fromError(`Cannot delete app ${prior.namespace}/${prior.name}`, err)] };
    }
  }
  const spec = specOf(req.planned);
  if (!spec) return { state: req.prior, diagnostics: [error('Invalid lttle_app configuration', 'the planned app does not validate')] };
  const id = `${spec.namespace}/${spec.name}`;
  try {
    const before = await client.getApp(spec.namespace, spec.name);
    const { status, plan } = await client.applyApp(spec);
    // A redeploy must be waited for at a newer generation: right after the
    // PUT the old machine may still report ready.
    const generation = plan.redeploy && before ? before.generation + 1 : status.generation;
    log('info', 'applied app, waiting for it to settle', { app: id, action: plan.action });
    const settled = await waitSettled(client, spec.namespace, spec.name, generation);
    return { state: appState(req.planned, settled), diagnostics: [] };
  } catch (err) {
    if (err instanceof LttleError && err.issues.length) return { state: req.prior, diagnostics: issueDiagnostics(TYPE, err.issues, toPath) };
    const diagnostics = [fromError(`Cannot apply app ${id}`, err)];
    // The app exists in the runtime even though it did not settle: keep it in
    // the state (terraform taints a failed create) so destroy can remove it.
    const current = await client.getApp(spec.namespace, spec.name).catch(() => undefined);
    return { state: current ? appState(req.planned, current) : req.prior, diagnostics };
  }
}

/** Refreshes computed values; fields changed outside terraform are taken from the runtime. */
async function read(client: RuntimeClient, state: CtyObject): Promise<CtyObject | null> {
  const status = await client.getApp(str(state.namespace) ?? DEFAULT_NAMESPACE, str(state.name) ?? '');
  if (!status) return null;
  const next = appState(state, status);
  const known = specOf(state);
  const canon = canonical(status.spec);
  if (!known) return { ...next, ...canon };
  for (const field of Object.keys(status.spec) as (keyof AppSpec)[]) {
    if (field === 'name' || field === 'namespace') continue;
    if (!equal(known[field], status.spec[field])) {
      const attribute = FIELD_TO_ATTRIBUTE[field] ?? field;
      next[attribute] = canon[attribute] ?? null;
      log('info', 'app changed outside terraform', { app: `${status.spec.namespace}/${status.spec.name}`, field });
    }
  }
  return next;
}

async function importState(client: RuntimeClient, id: string): Promise<CtyObject | null> {
  const ref = parseImportId(id);
  if (!ref) throw new Error(`import id "${id}" must be namespace/name or name`);
  const skeleton: CtyObject = Object.fromEntries(appAttributes.map((a) => [a.name, null]));
  Object.assign(skeleton, { id, name: ref.name, namespace: ref.namespace });
  return read(client, skeleton);
}

export const appResource: Resource = { typeName: TYPE, schema, validate, plan, apply, read, importState };
