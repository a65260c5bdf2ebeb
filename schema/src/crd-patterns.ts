// The schema's patterns in the dialect of the Kubernetes API server. CRD
// patterns are Go regular expressions (RE2): no lookaround. The JSON Schemas
// use a negative lookahead in two places, rewritten here into equivalents
// (crd-patterns.test.ts checks both spellings agree on the same strings).
import { SIZE_UNITS } from './size';

/** A name's body in the schemas: letters, digits, '_' and '-', never "--". */
const NAME_BODY = '(?:[A-Za-z0-9_]|-(?!-))*';
/** The same without lookahead: a '-' is followed by a non-'-', or ends the name. */
const NAME_BODY_RE2 = '(?:[A-Za-z0-9_]|-[A-Za-z0-9_])*-?';

/** An absolute path without "." or ".." segments: a pattern for the shape, a CEL rule for the segments. */
const SAFE_PATH = '^(?!.*(^|/)\\.\\.?(/|$))/.+$';

export interface Re2Pattern {
  pattern: string;
  /** A CEL rule that checks what the pattern could not. */
  rule?: string;
}

export function re2Pattern(pattern: string, at: string): Re2Pattern {
  if (pattern === SAFE_PATH) return { pattern: '^/.+$', rule: "!self.matches('(^|/)[.][.]?(/|$)')" };
  const rewritten = pattern.split(NAME_BODY).join(NAME_BODY_RE2);
  if (/\(\?<?[=!]/.test(rewritten))
    throw new Error(`${at}: the pattern ${pattern} uses lookaround, which the API server's regular expressions lack; add its rewrite to crd-patterns.ts`);
  return { pattern: rewritten };
}

/** A volume size as text: 100Mi, 1.5GB, 42MB (the units parseSize accepts). */
export const SIZE_PATTERN = `^\\s*[0-9]+(\\.[0-9]+)?\\s*(${Object.keys(SIZE_UNITS)
  .filter(Boolean)
  .sort((a, b) => b.length - a.length)
  .join('|')})?\\s*$`;
