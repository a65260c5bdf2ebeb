// Check: validates inputs through the shared JSON Schemas (the same rules as
// `lttle deploy`), with failures per camelCase property path. Unknown values
// (preview) are not judged; the volume shrink rule is enforced here so that
// `pulumi preview` already refuses it.
import { diffVolume } from '../../../schema/src/diff';
import type { Issue } from '../../../schema/src/schema';
import { toSpec, type Kind } from './resources';
import type { VolumeSpec } from '../../../schema/src/types';
import { clone, formatPropertyPath, isPrefix, wrapSecrets, type Decoded, type JsonObject, type PropertyPath } from './values';

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface CheckResult {
  /** The checked inputs, secrets wrapped again, the name defaulted. */
  inputs: JsonObject;
  failures: CheckFailure[];
}

/**
 * @param logicalName the Pulumi resource name, used as the lttle name when `name` is not set
 * @param olds the previous inputs, if the resource exists
 */
export function check(kind: Kind, news: Decoded, olds: Decoded | undefined, logicalName: string): CheckResult {
  const inputs = clone(news.value);
  if (inputs.name === undefined || inputs.name === null) inputs.name = logicalName;
  const failures: CheckFailure[] = [];
  const result = toSpec(kind, inputs);
  if (!result.ok) {
    for (const issue of result.issues) {
      if (news.unknowns.some((u) => isPrefix(u, issue.path))) continue; // judged once known
      failures.push(toFailure(issue, inputs.name === logicalName && news.value.name === undefined));
    }
  } else if (kind === 'volume' && olds && Object.keys(olds.value).length && !olds.unknowns.length) {
    const old = toSpec('volume', olds.value);
    if (old.ok && old.spec.name === result.spec.name && old.spec.namespace === result.spec.namespace) {
      for (const error of diffVolume(old.spec, result.spec as VolumeSpec).errors) failures.push(toFailure(error, false));
    }
  }
  return { inputs: wrapSecrets(inputs, news.secrets), failures };
}

function toFailure(issue: Issue, nameDefaulted: boolean): CheckFailure {
  const property = formatPropertyPath(issue.path as PropertyPath);
  let reason = `${property || 'resource'} ${issue.message}`;
  if (nameDefaulted && property === 'name') reason += ' (the name defaults to the Pulumi resource name; set `name` explicitly)';
  return { property, reason };
}
