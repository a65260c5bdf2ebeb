// Finds the line of a field that the runtime refused (a dry run answers with
// a path inside the spec, not a place in the file), so that such errors point
// at the line to edit like the errors of the document checks do.
import * as fs from 'node:fs';
import { isMap, isNode, isScalar, LineCounter, parseAllDocuments } from 'yaml';

/** "line L col C" of the field at `path` inside document `document` (1-based) of `file`, or undefined. */
export function locateField(file: string, document: number, path: (string | number)[]): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const lineCounter = new LineCounter();
  const doc = parseAllDocuments(text, { lineCounter })[document - 1] as ReturnType<typeof parseAllDocuments>[number] | undefined;
  if (!doc || !('contents' in doc) || !isMap(doc.contents) || doc.contents.items.length !== 1) return undefined;
  const kindKey = doc.contents.items[0].key;
  if (!isScalar(kindKey)) return undefined;
  // The deepest part of the path that is in the file (a default has no line of its own).
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = doc.getIn([kindKey.value, ...path.slice(0, depth)], true);
    if (isNode(node) && node.range) {
      const pos = lineCounter.linePos(node.range[0]);
      return `line ${pos.line} col ${pos.col}`;
    }
  }
  return undefined;
}
