// "not found" messages that point at what the user probably meant: the same
// name in another namespace (a forgotten --ns is the most common slip) or a
// close spelling in the namespace asked for.

export interface Named {
  namespace: string;
  name: string;
}

/** Levenshtein distance, small inputs only (resource names are at most 63 characters). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length];
}

export function notFoundMessage(kind: string, namespace: string, name: string, existing: Named[]): string {
  return `${kind} ${namespace}/${name} not found${suggestion(namespace, name, existing)}`;
}

/** "; there is NS/NAME (--ns NS)", "; did you mean NAME?" or nothing. */
export function suggestion(namespace: string, name: string, existing: Named[]): string {
  const elsewhere = existing.filter((e) => e.name === name && e.namespace !== namespace);
  if (elsewhere.length) {
    const hints = elsewhere.map((e) => `${e.namespace}/${e.name} (--ns ${e.namespace})`);
    return `; there is ${hints.join(', ')}`;
  }
  const close = existing
    .filter((e) => e.namespace === namespace)
    .map((e) => ({ name: e.name, d: distance(e.name, name) }))
    .filter((c) => c.d <= Math.max(2, Math.floor(name.length / 4)))
    .sort((x, y) => x.d - y.d);
  return close.length ? `; did you mean ${close.map((c) => c.name).join(' or ')}?` : '';
}
