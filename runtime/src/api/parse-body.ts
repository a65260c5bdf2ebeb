// Request bodies: normalised with the shared schema, and checked against the URL.
import { BadRequestError, InvalidError } from '../../../schema/src/errors';
import { formatPath, type Issue } from '../../../schema/src/schema';

/** Normalises a body and checks it names the resource of the URL. */
export function parseBody<T extends { namespace: string; name: string }>(
  kind: string,
  body: unknown,
  params: Record<string, string>,
  normalise: (body: unknown) => { ok: true; spec: T } | { ok: false; issues: Issue[] },
): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError(`the request body must be a ${kind} object`);
  const withDefaults = { namespace: params.namespace, ...(body as Record<string, unknown>) };
  const result = normalise(withDefaults);
  if (!result.ok) {
    throw new InvalidError(
      `invalid ${kind} ${params.namespace}/${params.name}: ${result.issues.map((i) => `${formatPath(i.path)} ${i.message}`).join('; ')}`,
      result.issues,
    );
  }
  if (result.spec.namespace !== params.namespace || result.spec.name !== params.name) {
    throw new BadRequestError(`the body describes ${kind} ${result.spec.namespace}/${result.spec.name} but the URL names ${params.namespace}/${params.name}`);
  }
  return result.spec;
}
