// lttle_app: validate, plan and apply through the shared model, the apply
// through the runtime's one apply-and-wait. Identity (name, namespace)
// replaces; everything else updates in place, the runtime redeploying the
// machine where needed. The schema is generated (schema-gen.ts), the
// conversions between terraform values and the model are in resource-app-model.ts.
import type { RuntimeApi } from '../../../runtime/src/client/api';
import { diffApp, equal } from '../../../schema/src/diff';
import { LttleError } from '../../../schema/src/errors';
import { normaliseApp } from '../../../schema/src/normalize';
import { DEFAULT_NAMESPACE, type AppSpec, type AppStatus } from '../../../schema/src/types';
import { frontEndName } from '../../../schema/src/casing';
import { isObject, isUnknown, unknown, type CtyObject } from './cty';
import { attr, error, fromError, type AttributePath, type Diagnostic } from './diagnostics';
import { log } from './log';
import {
  configChanged,
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
import { planDefaults, replacingAttributes } from './model';
import { appBody, appState, canonical, duplicateEnvKeys, ENV_ATTRIBUTES, specOf, toPath } from './resource-app-model';
import { resourceSchema } from './schema-gen';
import { TERRAFORM_ONLY } from './terraform-only';

const TYPE = 'lttle_app';
const appSchema = resourceSchema('app');

const COMPUTED = TERRAFORM_ONLY.app.status.map((a) => a.name);
const IDENTITY = replacingAttributes('app');

/** Without a `timeouts` attribute: LTTLE_TF_APPLY_TIMEOUT seconds, default 900 (booting under TCG takes a while). */
function defaultTimeoutMs(): number {
  const s = Number(process.env.LTTLE_TF_APPLY_TIMEOUT || 900);
  return (Number.isFinite(s) && s > 0 ? s : 900) * 1000;
}

function validate(config: CtyObject): Diagnostic[] {
  const diagnostics = [
    ...validateTimeouts(config),
    ...duplicateEnvKeys(config).map((k) =>
      error('Invalid lttle_app configuration', `environment key ${k} is set in more than one of ${ENV_ATTRIBUTES.join(', ')}`, attr('environment')),
    ),
  ];
  const { body, reader } = appBody(config);
  const result = normaliseApp(body);
  if (result.ok) return diagnostics;
  return [
    ...diagnostics,
    ...issueDiagnostics(TYPE, reader.relevant(result.issues), toPath).map((d) =>
      d.attribute?.steps.some((s) => 'attribute_name' in s && s.attribute_name === 'strategy')
        ? { ...d, detail: `${d.detail} (in terraform: "nth-listen:N" or "listen-on-port:P" for the parameterised strategies)` }
        : d,
    ),
  ];
}

function plan(req: PlanRequest): PlanResult {
  if (!req.proposed) return { planned: null, requiresReplace: [], diagnostics: [] };
  const planned: CtyObject = req.config ? planDefaults('app', req.proposed, req.config) : { ...req.proposed };
  planned.id = isUnknown(planned.name) || isUnknown(planned.namespace) ? unknown() : `${str(planned.namespace)}/${str(planned.name)}`;
  if (!req.prior) {
    for (const key of COMPUTED) planned[key] = unknown();
    return { planned, requiresReplace: [], diagnostics: [] };
  }
  const requiresReplace: AttributePath[] = [];
  const old = withoutWriteOnly(specOf(req.prior), req.config);
  const next = withoutWriteOnly(specOf(planned), req.config);
  if (old && next) {
    const diff = diffApp(old, next);
    if (diff.changes.some((c) => c.replace)) requiresReplace.push(...identityPaths(req.prior, planned));
    // Terraform applies whatever differs from the prior state, and every
    // change the runtime accepts bumps the generation (not only a redeploy):
    // known values are kept only for a no-op, so apply can never contradict the plan.
    if (diff.action !== 'none' || configChanged(appSchema, req.prior, planned)) {
      planned.state = unknown();
      planned.generation = unknown();
      if (diff.redeploy || diff.changes.some((c) => c.path[0] === 'expose')) planned.services = unknown();
    }
  } else {
    requiresReplace.push(...identityPaths(req.prior, planned));
    for (const key of COMPUTED) planned[key] = unknown();
  }
  return { planned, requiresReplace, diagnostics: [] };
}

/**
 * The spec without the config's write-only keys: neither the plan nor the
 * state holds their values, and an imported state holds them as
 * secret_environment, so they are left out of the comparison on both sides.
 */
function withoutWriteOnly(spec: AppSpec | undefined, config: CtyObject | null): AppSpec | undefined {
  const wo = config && isObject(config.secret_environment_wo) ? Object.keys(config.secret_environment_wo) : [];
  if (!spec || !wo.length) return spec;
  return { ...spec, environment: Object.fromEntries(Object.entries(spec.environment).filter(([k]) => !wo.includes(k))) };
}

function identityPaths(prior: CtyObject, planned: CtyObject): AttributePath[] {
  return IDENTITY.filter((k) => isUnknown(planned[k]) || planned[k] !== prior[k]).map((k) => attr(k));
}

async function apply(client: RuntimeApi, req: ApplyRequest, options: ApplyOptions): Promise<ApplyResult> {
  if (!req.planned) {
    const prior = req.prior as CtyObject;
    try {
      await within(options.timeoutMs, 'deleting the app', client.deleteApp(str(prior.namespace) ?? DEFAULT_NAMESPACE, str(prior.name) ?? ''));
      return { state: null, diagnostics: [] };
    } catch (err) {
      return { state: prior, diagnostics: [fromError(`Cannot delete app ${str(prior.namespace)}/${str(prior.name)}`, err)] };
    }
  }
  // The write-only secrets come from the config; the state keeps only their keys, privately.
  const writeOnly = req.config && isObject(req.config.secret_environment_wo) ? req.config.secret_environment_wo : null;
  const spec = specOf({ ...req.planned, secret_environment_wo: writeOnly });
  if (!spec) return { state: req.prior, diagnostics: [error('Invalid lttle_app configuration', 'the planned app does not validate')] };
  const priv = Buffer.from(JSON.stringify({ writeOnly: Object.keys(writeOnly ?? {}) } satisfies PrivateState));
  const id = `${spec.namespace}/${spec.name}`;
  // The last status seen while waiting; none means the runtime refused the spec.
  const seen: { status?: AppStatus } = {};
  try {
    // Waits until the runtime acted on this generation and the app is ready (or suspended, in flash mode).
    const { status, plan } = await client.applyAppAndWait(spec, {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      intervalMs: 250,
      timeoutHint: 'raise timeouts.create or timeouts.update (or LTTLE_TF_APPLY_TIMEOUT, seconds, for every app) to wait longer',
      onProgress: (s) => {
        if (!seen.status) log('info', 'applied app, waiting for it to settle', { app: id, generation: s.generation });
        else if (s.state !== seen.status.state) log('debug', 'app state', { app: id, state: s.state });
        seen.status = s;
      },
    });
    log('info', 'app settled', { app: id, action: plan.action, state: status.state });
    return { state: appState(req.planned, status), diagnostics: [], private: priv };
  } catch (err) {
    if (err instanceof LttleError && err.issues.length) return { state: req.prior, diagnostics: issueDiagnostics(TYPE, err.issues, toPath) };
    const diagnostics = [fromError(`Cannot apply app ${id}`, err)];
    if (!seen.status) return { state: req.prior, diagnostics };
    // The runtime took the spec but the app did not settle: keep it in the
    // state (terraform taints a failed create) so destroy can remove it.
    const current = await client.getApp(spec.namespace, spec.name).catch(() => seen.status);
    return { state: current ? appState(req.planned, current) : req.prior, diagnostics, private: priv };
  }
}

/** What the private state remembers: the keys of `secret_environment_wo` at the last apply. */
interface PrivateState {
  writeOnly: string[];
}

function privateState(priv?: Buffer): PrivateState {
  try {
    const parsed = priv?.length ? (JSON.parse(priv.toString('utf8')) as Partial<PrivateState>) : {};
    return { writeOnly: Array.isArray(parsed.writeOnly) ? parsed.writeOnly.map(String) : [] };
  } catch {
    return { writeOnly: [] };
  }
}

/** Refreshes computed values; fields changed outside terraform are taken from the runtime. */
async function read(client: RuntimeApi, state: CtyObject, priv?: Buffer): Promise<CtyObject | null> {
  const status = await client.getApp(str(state.namespace) ?? DEFAULT_NAMESPACE, str(state.name) ?? '');
  if (!status) return null;
  const next = appState(state, status);
  const split = { plain: isObject(state.environment) ? Object.keys(state.environment) : [], writeOnly: privateState(priv).writeOnly };
  const canon = canonical(status.spec, split);
  const known = specOf(state);
  if (!known) return { ...next, ...canon, secret_environment_wo_version: state.secret_environment_wo_version ?? null, timeouts: state.timeouts ?? null };
  // The runtime has the write-only values too; the state never does.
  const runtimeEnv = Object.fromEntries(Object.entries(status.spec.environment).filter(([k]) => !split.writeOnly.includes(k)));
  if (!equal(known.environment, runtimeEnv)) {
    next.environment = canon.environment;
    next.secret_environment = canon.secret_environment;
    log('info', 'app changed outside terraform', { app: `${status.spec.namespace}/${status.spec.name}`, field: 'environment' });
  }
  for (const field of Object.keys(status.spec) as (keyof AppSpec)[]) {
    if (field === 'name' || field === 'namespace' || field === 'environment') continue;
    if (!equal(known[field], status.spec[field])) {
      const attribute = frontEndName(field, 'snake');
      next[attribute] = canon[attribute] ?? null;
      log('info', 'app changed outside terraform', { app: `${status.spec.namespace}/${status.spec.name}`, field });
    }
  }
  return next;
}

async function importState(client: RuntimeApi, id: string): Promise<CtyObject | null> {
  const ref = parseImportId(id);
  if (!ref) throw new Error(`import id "${id}" must be namespace/name or name`);
  const skeleton: CtyObject = Object.fromEntries(appSchema.attributes.map((a) => [a.name, null]));
  Object.assign(skeleton, { id, name: ref.name, namespace: ref.namespace });
  return read(client, skeleton);
}

export const appResource: Resource = { typeName: TYPE, schema: appSchema, defaultTimeoutMs, validate, plan, apply, read, importState };
