import * as assert from 'node:assert/strict';
import { notFoundMessage } from './not-found';

describe('cli: not-found messages', () => {
  const existing = [
    { namespace: 'samples', name: 'postgresql' },
    { namespace: 'samples', name: 'pgdata' },
    { namespace: 'other', name: 'web' },
  ];

  it('names the namespace where the resource is when --ns was forgotten', () => {
    assert.equal(notFoundMessage('app', 'default', 'postgresql', existing), 'app default/postgresql not found; there is samples/postgresql (--ns samples)');
  });

  it('suggests a close spelling in the namespace asked for', () => {
    assert.equal(notFoundMessage('app', 'samples', 'postgresq', existing), 'app samples/postgresq not found; did you mean postgresql?');
    assert.equal(notFoundMessage('volume', 'samples', 'pgdat', existing), 'volume samples/pgdat not found; did you mean pgdata?');
  });

  it('says only "not found" when nothing is close', () => {
    assert.equal(notFoundMessage('app', 'samples', 'redis', existing), 'app samples/redis not found');
    assert.equal(notFoundMessage('app', 'samples', 'web', existing), 'app samples/web not found; there is other/web (--ns other)');
  });
});
