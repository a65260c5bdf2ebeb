import * as assert from 'node:assert/strict';
import { InvalidError } from '../../../schema/src/errors';
import type { AppSpec } from '../../../schema/src/types';
import { branchName, checkForkRequest } from './fork';
import { changedPassword } from './fork-password';

const spec = {
  name: 'postgresql',
  namespace: 'samples',
  volumes: [{ name: 'pgdata', namespace: 'samples', path: '/data' }],
  environment: { POSTGRES_PASSWORD: 'password' },
} as unknown as AppSpec;

describe('fork requests', () => {
  it('names its branch volumes after the fork and refuses names that cannot be one, naming the field', () => {
    assert.equal(branchName('pr-1', 'pgdata'), 'pr-1-pgdata');
    assert.doesNotThrow(() => checkForkRequest(spec, { to: 'pr-1' }));
    assert.throws(
      () => checkForkRequest(spec, { to: 'Not A Name' }),
      (err: Error) => err instanceof InvalidError && /^to: "Not A Name" is not a valid app name/.test(err.message),
    );
    assert.throws(
      () => checkForkRequest(spec, { to: 'a'.repeat(60) }),
      (err: Error) => /^to: the branch of volume pgdata would be named a{60}-pgdata, which is too long/.test(err.message),
    );
    assert.throws(
      () => checkForkRequest(spec, { to: 'pr-1', environment: { X: 1 as unknown as string } }),
      (err: Error) => err.message === 'environment.X: must be a string',
    );
  });

  it('applies a password only when the fork sets a different one', () => {
    const fork = (environment: Record<string, string>) => ({ ...spec, environment });
    assert.equal(changedPassword(spec, fork({ POSTGRES_PASSWORD: 'password' })), undefined);
    assert.equal(changedPassword(spec, fork({})), undefined);
    assert.equal(changedPassword(spec, fork({ POSTGRES_PASSWORD: 'other' })), 'other');
  });
});
