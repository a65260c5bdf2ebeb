// lttle_app values and the shared model: the generic walk (model.ts) bound to
// the app, the environment's split into three attributes, and the status
// the runtime reports.
import { fieldAt, resourceFields } from '../../../schema/src/fields';
import { normaliseApp } from '../../../schema/src/normalize';
import type { AppSpec, AppStatus } from '../../../schema/src/types';
import type { CtyObject } from './cty';
import type { AttributePath } from './diagnostics';
import { attributePath, bodyOf, canonicalOf, splitAttributes, type SecretSplit } from './model';
import type { BodyReader } from './resource';

/** environment, secret_environment, secret_environment_wo: one map for the model. */
export const ENV_ATTRIBUTES = splitAttributes('app', fieldAt(resourceFields('app'), ['environment'])!);

export type EnvSplit = SecretSplit;

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
export function appBody(v: CtyObject, reader?: BodyReader): { body: Record<string, unknown>; reader: BodyReader } {
  return bodyOf('app', v, reader);
}

/** A model issue path (kebab-case) as the terraform attribute path. */
export function toPath(path: (string | number)[]): AttributePath {
  return attributePath('app', path);
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
export function canonical(spec: AppSpec, split?: EnvSplit): CtyObject {
  return canonicalOf('app', spec, split);
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
