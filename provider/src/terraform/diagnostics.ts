// Diagnostics and attribute paths in the protocol's shape. Messages come from
// the shared model and the runtime, which never include secret values.
import { LttleError } from '../../../schema/src/errors';

export type PathStep = { attribute_name: string } | { element_key_string: string } | { element_key_int: number };
export type AttributePath = PathStep[];

export const SEVERITY_ERROR = 1;
export const SEVERITY_WARNING = 2;

export interface Diagnostic {
  severity: number;
  summary: string;
  detail: string;
  attribute?: { steps: AttributePath };
}

export function attr(...names: string[]): AttributePath {
  return names.map((attribute_name) => ({ attribute_name }));
}

export function error(summary: string, detail = '', path?: AttributePath): Diagnostic {
  return { severity: SEVERITY_ERROR, summary, detail, ...(path && path.length ? { attribute: { steps: path } } : {}) };
}

/** Renders a path the way terraform users write it: mode.flash.strategy, expose["access"].port. */
export function renderPath(path: AttributePath): string {
  let out = '';
  for (const step of path) {
    if ('attribute_name' in step) out += out ? `.${step.attribute_name}` : step.attribute_name;
    else if ('element_key_string' in step) out += `[${JSON.stringify(step.element_key_string)}]`;
    else out += `[${step.element_key_int}]`;
  }
  return out;
}

/** An error from the runtime (or anything else thrown) as one diagnostic. */
export function fromError(summary: string, err: unknown): Diagnostic {
  if (err instanceof LttleError) {
    const issues = err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    return error(summary, issues ? `${err.message}\n${issues}` : err.message);
  }
  return error(summary, err instanceof Error ? err.message : String(err));
}

export function hasErrors(diags: Diagnostic[]): boolean {
  return diags.some((d) => d.severity === SEVERITY_ERROR);
}
