import * as assert from 'node:assert/strict';
import { toPulumiPath } from './properties';
import { parseId } from './resource';

describe('pulumi resource plumbing (ids, property paths)', () => {
  it('parses ids namespace/name, a bare name meaning the default namespace', () => {
    assert.deepEqual(parseId('samples/pgdata'), { namespace: 'samples', name: 'pgdata' });
    assert.deepEqual(parseId('pgdata'), { namespace: 'default', name: 'pgdata' });
    assert.equal(parseId('a/b/c'), undefined);
    assert.equal(parseId(''), undefined);
  });

  it('maps model paths to camelCase, leaving environment and expose keys alone', () => {
    assert.deepEqual(toPulumiPath(['restart-policy']), ['restartPolicy']);
    assert.deepEqual(toPulumiPath(['expose', 'my-svc', 'connection-tracking', 'traffic-aware', 'inactivity-timeout']), [
      'expose',
      'my-svc',
      'connectionTracking',
      'trafficAware',
      'inactivityTimeout',
    ]);
    assert.deepEqual(toPulumiPath(['environment', 'MY_VAR']), ['environment', 'MY_VAR']);
    assert.deepEqual(toPulumiPath(['volumes', '0', 'path']), ['volumes', 0, 'path']);
  });
});
