// Reads .lttle.yaml files: several YAML documents, each one resource, with
// every problem reported at its file, document, line and column.
import * as fs from 'node:fs';
import { isMap, isPair, isScalar, LineCounter, parseAllDocuments, visit, type Document, type Node } from 'yaml';
import { normaliseApp, normaliseVolume } from './normalize';
import { formatPath, validate, type Issue } from './schema';
import type { AppSpec, ResourceKind, SourceLocation, VolumeSpec } from './types';

export type LoadedResource = { kind: 'volume'; spec: VolumeSpec; location: SourceLocation } | { kind: 'app'; spec: AppSpec; location: SourceLocation };

/** One located problem; `toString()` gives the message users see. */
export class DocumentIssue {
  constructor(
    readonly location: SourceLocation,
    readonly label: string,
    readonly path: (string | number)[],
    readonly message: string,
  ) {}

  toString(): string {
    if (this.location.document === 0) return `${this.location.file}: ${this.message}`;
    const where = `${this.location.file}: document ${this.location.document}${this.label ? ` (${this.label})` : ''}, line ${this.location.line} col ${this.location.col}`;
    const what = this.path.length ? `${formatPath(this.path)} ${this.message}` : this.message;
    return `${where}: ${what}`;
  }
}

export class DocumentError extends Error {
  constructor(readonly issues: DocumentIssue[]) {
    super(issues.map(String).join('\n'));
    this.name = 'DocumentError';
  }
}

const KINDS: Record<string, ResourceKind> = { volume: 'volume', 'volume.v1': 'volume', app: 'app', 'app.v1': 'app' };

/** Parses and validates every document of one file; throws DocumentError listing all problems. */
export function loadDocumentsFromText(text: string, file: string): LoadedResource[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues: DocumentIssue[] = [];
  const resources: LoadedResource[] = [];
  const list = Array.isArray(docs) ? docs : [];
  const at = (index: number, offset: number | undefined): SourceLocation => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { file, document: index + 1, line: pos.line, col: pos.col };
  };
  list.forEach((doc, index) => {
    const kindKey =
      isMap(doc.contents) && doc.contents.items.length === 1 && isScalar(doc.contents.items[0].key) ? String(doc.contents.items[0].key.value) : undefined;
    const kind = kindKey ? KINDS[kindKey] : undefined;
    // From the parsed nodes, so that a syntax error further down still names its document.
    const name: unknown = kind ? doc.getIn([kindKey, 'name']) : undefined;
    const label = kind ? `${kind}${typeof name === 'string' ? ` "${name}"` : ''}` : '';
    for (const error of doc.errors) {
      issues.push(new DocumentIssue(at(index, error.pos[0]), label, [], `YAML syntax error: ${error.message.split('\n')[0]}`));
    }
    if (doc.errors.length) return;
    if (doc.contents === null) return; // an empty document, e.g. after a trailing ---
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // An alias without its anchor, or too many aliases: yaml throws without a place.
      issues.push(new DocumentIssue(at(index, aliasOffset(doc) ?? doc.contents.range?.[0]), label, [], `YAML error: ${(err as Error).message}`));
      return;
    }
    const docIssues = validate('document', value);
    const body = kind && value && typeof value === 'object' ? (value as Record<string, unknown>)[kindKey as string] : undefined;
    const report = (issue: Issue, relativeTo: (string | number)[]) => {
      const full = [...relativeTo, ...issue.path];
      issues.push(new DocumentIssue(at(index, offsetOf(doc, full, issue.atKey)), label, issue.path, issue.message));
    };
    if (docIssues.length) {
      // Paths inside the resource read better without the document's kind key.
      for (const issue of docIssues) {
        if (kind && issue.path.length && issue.path[0] === kindKey) report({ ...issue, path: issue.path.slice(1) }, [kindKey]);
        else report(issue, []);
      }
      return;
    }
    const normalised = kind === 'volume' ? normaliseVolume(body) : normaliseApp(body);
    if (!normalised.ok) {
      for (const issue of normalised.issues) report(issue, [kindKey as string]);
      return;
    }
    const location = at(index, doc.contents.range?.[0]);
    resources.push(kind === 'volume' ? { kind, spec: normalised.spec as VolumeSpec, location } : { kind: 'app', spec: normalised.spec as AppSpec, location });
  });
  if (!issues.length && !resources.length) {
    issues.push(new DocumentIssue({ file, document: 1, line: 1, col: 1 }, '', [], 'has no documents: expected at least one volume or app'));
  }
  if (!issues.length) checkDuplicates(resources, issues);
  if (issues.length) throw new DocumentError(issues);
  return resources;
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory, not a file',
  EACCES: 'cannot read it: permission denied',
};

export function loadDocuments(file: string): LoadedResource[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = (code && READ_ERRORS[code]) ?? `cannot read it: ${(err as Error).message}`;
    throw new DocumentError([new DocumentIssue({ file, document: 0, line: 0, col: 0 }, '', [], reason)]);
  }
  return loadDocumentsFromText(text, file);
}

/** Loads several files; all documents of all files are checked before anything is returned. */
export function loadFiles(files: string[]): LoadedResource[] {
  const all: LoadedResource[] = [];
  const issues: DocumentIssue[] = [];
  for (const file of files) {
    try {
      all.push(...loadDocuments(file));
    } catch (err) {
      if (!(err instanceof DocumentError)) throw err;
      issues.push(...err.issues);
    }
  }
  if (!issues.length) checkDuplicates(all, issues);
  if (issues.length) throw new DocumentError(issues);
  return all;
}

function checkDuplicates(resources: LoadedResource[], issues: DocumentIssue[]): void {
  const seen = new Map<string, LoadedResource>();
  for (const r of resources) {
    const key = `${r.kind} ${r.spec.namespace}/${r.spec.name}`;
    const first = seen.get(key);
    if (first) {
      issues.push(
        new DocumentIssue(
          r.location,
          `${r.kind} "${r.spec.name}"`,
          ['name'],
          `repeats ${r.kind} ${r.spec.namespace}/${r.spec.name}, already declared in ${first.location.file} document ${first.location.document}`,
        ),
      );
    } else seen.set(key, r);
  }
}

/** Offset of the first alias without an anchor, else of the first alias (the start of an alias bomb). */
function aliasOffset(doc: Document): number | undefined {
  let first: number | undefined;
  let unresolved: number | undefined;
  visit(doc, {
    Alias(_, node) {
      first ??= node.range?.[0];
      if (node.resolve(doc) !== undefined) return;
      unresolved = node.range?.[0];
      return visit.BREAK;
    },
  });
  return unresolved ?? first;
}

/** Offset of the node at `path` (or of its key), falling back to the nearest existing ancestor. */
function offsetOf(doc: Document, path: (string | number)[], atKey?: boolean): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const sub = path.slice(0, depth);
    if (atKey && depth === path.length && depth > 0) {
      const parent = sub.length > 1 ? doc.getIn(sub.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(sub[sub.length - 1]));
        const key = pair?.key as Node | undefined;
        if (key?.range) return key.range[0];
      }
      continue;
    }
    const node =
      depth === 0
        ? doc.contents
        : (doc.getIn(
            sub.map((p) => (typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : p)),
            true,
          ) as Node | undefined);
    if (node && typeof node === 'object' && 'range' in node && node.range) return node.range[0];
  }
  return undefined;
}
