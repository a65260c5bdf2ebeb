// Validation against the JSON Schemas in schema/: the one source of truth for
// the CLI, the runtime API and both providers.
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { readPackageFile } from './paths';
import { parseVolumeSize, SizeError } from './size';

/** One problem found in a value, located by its property path. */
export interface Issue {
  /** Property path from the resource's root, e.g. ["mode", "flash", "timeout"]. */
  path: (string | number)[];
  /** Message without the path, e.g. "must be an integer >= 1". */
  message: string;
  /** True when the issue is about the key itself (unknown field), not its value. */
  atKey?: boolean;
}

export type SchemaName = 'document' | 'volume' | 'app' | 'volume-snapshot' | 'api/exec-request';

interface SchemaNode {
  'x-expect'?: string;
  properties?: Record<string, unknown>;
}

let ajv: Ajv2020 | undefined;
const compiled = new Map<SchemaName, ValidateFunction>();

function instance(): Ajv2020 {
  if (ajv) return ajv;
  ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
  ajv.addVocabulary(['x-expect', 'x-secret', 'x-on-change']);
  ajv.addKeyword({
    keyword: 'x-size',
    type: ['string', 'number'],
    errors: true,
    validate: function xSize(this: unknown, _schema: boolean, data: string | number) {
      try {
        parseVolumeSize(data);
        return true;
      } catch (err) {
        if (!(err instanceof SizeError)) throw err;
        (xSize as unknown as { errors: Partial<ErrorObject>[] }).errors = [{ keyword: 'x-size', message: err.message, params: {} }];
        return false;
      }
    },
  });
  for (const file of ['common', 'volume', 'app', 'volume-snapshot', 'document', 'api/exec-request']) {
    ajv.addSchema(JSON.parse(readPackageFile(`schema/${file}.schema.json`)) as object);
  }
  return ajv;
}

function validator(name: SchemaName): ValidateFunction {
  let fn = compiled.get(name);
  if (!fn) {
    fn = instance().getSchema(`https://lttle.dev/schema/${name}.schema.json`);
    if (!fn) throw new Error(`schema ${name} is missing from schema/`);
    compiled.set(name, fn);
  }
  return fn;
}

/** Validates a value against one of the schemas; returns the issues, most useful first. */
export function validate(name: SchemaName, value: unknown): Issue[] {
  const fn = validator(name);
  if (fn(value)) return [];
  return toIssues(fn.errors ?? []);
}

function pointerToPath(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function toIssues(errors: ErrorObject[]): Issue[] {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  // The deepest errors are the precise ones; "if"/"then" wrappers only repeat them.
  const useful = errors.filter((e) => e.keyword !== 'if');
  for (const error of useful) {
    // A failed propertyNames check reports the name's own error (with propertyName set) and a
    // generic wrapper; the former knows what a valid name looks like.
    if (error.keyword === 'propertyNames') continue;
    const badName = (error as ErrorObject & { propertyName?: string }).propertyName;
    const issue: Issue =
      badName !== undefined
        ? { path: [...pointerToPath(error.instancePath), badName], message: `is not a valid name: must be ${expectation(error) ?? error.message}`, atKey: true }
        : toIssue(error);
    const key = issue.path.join('\u0000') + '\u0001' + (issue.atKey ? 'k' : 'v');
    if (seen.has(key)) continue;
    // Drop an error on a value whose child already has a more precise one.
    if (!issue.atKey && useful.some((other) => other !== error && other.keyword !== 'propertyNames' && other.instancePath.startsWith(error.instancePath + '/')))
      continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function toIssue(error: ErrorObject): Issue {
  const path = pointerToPath(error.instancePath);
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys(parent.properties ?? {});
      const suggestion = didYouMean(key, known);
      const hint = suggestion ? `; did you mean "${suggestion}"?` : known.length ? ` (known fields: ${known.join(', ')})` : '';
      return { path: [...path, key], message: `is not a known field${hint}`, atKey: true };
    }
    case 'required':
      return { path: [...path, String(params.missingProperty)], message: 'is required' };
    case 'x-size':
      return { path, message: `must be a size such as 100Mi, 50M, 1.5GB or 1Gi: ${error.message}` };
    case 'minProperties':
    case 'maxProperties':
    default: {
      const expect = expectation(error);
      return { path, message: expect ? `must be ${expect}` : (error.message ?? 'is invalid') };
    }
  }
}

function expectation(error: ErrorObject): string | undefined {
  const node = error.parentSchema as SchemaNode | undefined;
  return node?.['x-expect'];
}

/** The closest known name within an edit distance that still looks like a typo. */
export function didYouMean(input: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(input.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(input.length / 3));
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** "mode.flash.timeout", "volumes[0].path". */
export function formatPath(path: (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number' || /^\d+$/.test(part)) out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

const NAME_RULE = (() => {
  const common = JSON.parse(readPackageFile('schema/common.schema.json')) as { $defs: { name: { pattern: string; maxLength: number } } };
  return { pattern: new RegExp(common.$defs.name.pattern), maxLength: common.$defs.name.maxLength };
})();

/** The names rule of common.schema.json (names and namespaces), for values that are not documents (URLs, paths). */
export function isName(value: string): boolean {
  return value.length <= NAME_RULE.maxLength && NAME_RULE.pattern.test(value);
}
