import assert from 'node:assert/strict';
import type { AppSpec } from '../../../schema/src/types';
import { usageStatus } from './volume-usage';

const spec = {
  namespace: 'samples',
  volumes: [
    { namespace: 'samples', name: 'pgdata', path: '/var/lib/postgresql/data' },
    { namespace: 'shared', name: 'assets', path: '/assets' },
  ],
} as unknown as AppSpec;

describe('volume usage as the guest sees it', () => {
  it('maps the agent serials to the app volumes and warns only above 90% full', () => {
    const usage = usageStatus(spec, [
      { volume: 'vol0', path: '/var/lib/postgresql/data', totalBytes: 100, usedBytes: 91, freeBytes: 9, availableBytes: 9 },
      { volume: 'vol1', path: '/assets', totalBytes: 100, usedBytes: 90, freeBytes: 10, availableBytes: 10 },
      { volume: 'vol7', path: '/nowhere', totalBytes: 1, usedBytes: 1, freeBytes: 0, availableBytes: 0 },
    ]);
    assert.equal(usage.length, 2, 'a serial the app does not have is ignored');
    assert.equal(usage[0].volume, 'samples/pgdata');
    assert.match(usage[0].warning ?? '', /^volume samples\/pgdata is 91% full \(9 bytes free\); grow it$/);
    assert.equal(usage[1].volume, 'shared/assets');
    assert.equal(usage[1].warning, undefined, 'exactly 90% is not a warning');
  });
});
