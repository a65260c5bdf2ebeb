// lttle_app: validate, plan and apply through the shared model, the apply
// through the runtime's one apply-and-wait. Identity (name, namespace)
// replaces; everything else updates in place, the runtime redeploying the
// machine where needed. The schema is in resource-app-schema.ts, the
// conversions between terraform values and the model in resource-app-model.ts.
import type { RuntimeClient } from '../../../runtime/src/client/client';
import { diffApp, equal } from '../../../schema/src/diff';
import { LttleError } from '../../../schema/src/errors';
import { normaliseApp } from '../../../schema/src/normalize';
import { DEFAULT_NAMESPACE, type AppSpec, type AppStatus } from '../../../schema/src/types';
import { isUnknown, unknown, type CtyObject } from './cty';
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
} from './resource';
import { appBody, appState, attributeOf, canonical, specOf, toPath } from './resource-app-model';
import { appAttributes, appSchema, TYPE } from './resource-app-schema';

const COMPUTED = ['state', 'generation', 'services'];

/** Until a `timeouts` block: LTTLE_TF_APPLY_TIMEOUT seconds, default 900 (booting under TCG takes a while). */
function defaultTimeoutMs(): number {
  const s = Number(process.env.LTTLE_TF_APPLY_TIMEOUT || 900);
  return (Number.isFinite(s) && s > 0 ? s : 900) * 1000;
}

function validate(config: CtyObject): Diagnostic[] {
  const { body, reader } = appBody(config);
  const result = normaliseApp(body);
  if (result.ok) return [];
  return issueDiagnostics(TYPE, reader.relevant(result.issues), toPath).map((d) =>
    d.attribute?.steps.some((s) => 'attribute_name' in s && s.attribute_name === 'strategy')
      ? { ...d, detail: `${d.detail} (in terraform: "nth-listen:N" or "listen-on-port:P" for the parameterised strategies)` }
      : d,
  );
}

function plan(req: PlanRequest): PlanResult {
  if (!req.proposed) return { planned: null, requiresReplace: [], diagnostics: [] };
  const planned: CtyObject = { ...req.proposed };
  if (req.config && req.config.namespace === null) planned.namespace = DEFAULT_NAMESPACE;
  planned.id = isUnknown(planned.name) || isUnknown(planned.namespace) ? unknown() : `${str(planned.namespace)}/${str(planned.name)}`;
  if (!req.prior) {
    for (const key of COMPUTED) planned[key] = unknown();
    return { planned, requiresReplace: [], diagnostics: [] };
  }
  const requiresReplace: AttributePath[] = [];
  const old = specOf(req.prior);
  const next = specOf(planned);
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

function identityPaths(prior: CtyObject, planned: CtyObject): AttributePath[] {
  return ['name', 'namespace'].filter((k) => isUnknown(planned[k]) || planned[k] !== prior[k]).map((k) => attr(k));
}

async function apply(client: RuntimeClient, req: ApplyRequest, options: ApplyOptions): Promise<ApplyResult> {
  if (!req.planned) {
    const prior = req.prior as CtyObject;
    try {
      await client.deleteApp(str(prior.namespace) ?? DEFAULT_NAMESPACE, str(prior.name) ?? '');
      return { state: null, diagnostics: [] };
    } catch (err) {
      return { state: prior, diagnostics: [fromError(`Cannot delete app ${str(prior.namespace)}/${str(prior.name)}`, err)] };
    }
  }
  const spec = specOf(req.planned);
  if (!spec) return { state: req.prior, diagnostics: [error('Invalid lttle_app configuration', 'the planned app does not validate')] };
  const id = `${spec.namespace}/${spec.name}`;
  // The last status seen while waiting; none means the runtime refused the spec.
  const seen: { status?: AppStatus } = {};
  try {
    // Waits until the runtime acted on this generation and the app is ready (or suspended, in flash mode).
    const { status, plan } = await client.applyAppAndWait(spec, {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      intervalMs: 250,
      timeoutHint: 'set LTTLE_TF_APPLY_TIMEOUT (seconds) to wait longer',
      onProgress: (s) => {
        if (!seen.status) log('info', 'applied app, waiting for it to settle', { app: id, generation: s.generation });
        else if (s.state !== seen.status.state) log('debug', 'app state', { app: id, state: s.state });
        seen.status = s;
      },
    });
    log('info', 'app settled', { app: id, action: plan.action, state: status.state });
    return { state: appState(req.planned, status), diagnostics: [] };
  } catch (err) {
    if (err instanceof LttleError && err.issues.length) return { state: req.prior, diagnostics: issueDiagnostics(TYPE, err.issues, toPath) };
    const diagnostics = [fromError(`Cannot apply app ${id}`, err)];
    if (!seen.status) return { state: req.prior, diagnostics };
    // The runtime took the spec but the app did not settle: keep it in the
    // state (terraform taints a failed create) so destroy can remove it.
    const current = await client.getApp(spec.namespace, spec.name).catch(() => seen.status);
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
      const attribute = attributeOf(field);
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

export const appResource: Resource = { typeName: TYPE, schema: appSchema, defaultTimeoutMs, validate, plan, apply, read, importState };
