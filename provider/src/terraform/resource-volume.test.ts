import * as assert from 'node:assert/strict';
import type { WaitOptions } from '../../../runtime/src/client/api';
import type { RuntimeClient } from '../../../runtime/src/client/client';
import type { VolumeSpec, VolumeStatus } from '../../../schema/src/types';
import { isUnknown, unknown, type CtyObject } from './cty';
import { volumeResource } from './resource-volume';

const base: CtyObject = {
  id: null,
  name: 'pgdata',
  namespace: 'samples',
  mode: 'writeable',
  size: '100Mi',
  from_snapshot: null,
  size_bytes: null,
  state: null,
  attached_to: null,
};
const prior: CtyObject = { ...base, id: 'samples/pgdata', size_bytes: 104857600, state: 'ready' };

describe('terraform lttle_volume', () => {
  it('validates through the shared schema with the attribute path', () => {
    const diags = volumeResource.validate({ ...base, size: '1.2.3Mi' });
    assert.equal(diags.length, 1);
    assert.deepEqual(diags[0].attribute?.steps, [{ attribute_name: 'size' }]);
    assert.deepEqual(volumeResource.validate(base), []);
  });

  it('from_snapshot is VOLUME/SNAPSHOT: anything else is a diagnostic on it', () => {
    assert.deepEqual(volumeResource.validate({ ...base, from_snapshot: 'pgdata/before-migration' }), []);
    const diags = volumeResource.validate({ ...base, from_snapshot: 'before-migration' });
    assert.equal(diags.length, 1);
    assert.deepEqual(diags[0].attribute?.steps, [{ attribute_name: 'from_snapshot' }]);
    assert.match(diags[0].detail, /^from_snapshot must be VOLUME\/SNAPSHOT/);
  });

  it('a changed from_snapshot is read at creation only: an update in place, never a replacement', () => {
    const created = { ...prior, from_snapshot: 'pgdata/before-migration' };
    const r = volumeResource.plan({
      prior: created,
      proposed: { ...created, from_snapshot: 'pgdata/after' },
      config: { ...base, from_snapshot: 'pgdata/after' },
    });
    assert.deepEqual(r.requiresReplace, []);
    assert.deepEqual(r.diagnostics, []);
  });

  it('plans a create with defaults and computed values unknown', () => {
    const { planned } = volumeResource.plan({
      prior: null,
      proposed: { ...base, namespace: null, mode: null },
      config: { ...base, namespace: null, mode: null },
    });
    assert.equal(planned?.namespace, 'default');
    assert.equal(planned?.mode, 'writeable');
    assert.equal(planned?.id, 'default/pgdata');
    assert.ok(isUnknown(planned?.size_bytes) && isUnknown(planned?.state));
  });

  it('plans no change when nothing changed', () => {
    const { planned, requiresReplace, diagnostics } = volumeResource.plan({ prior, proposed: prior, config: base });
    assert.deepEqual(planned, prior);
    assert.deepEqual(requiresReplace, []);
    assert.deepEqual(diagnostics, []);
  });

  it('grows in place and refuses to shrink', () => {
    const grow = volumeResource.plan({ prior, proposed: { ...prior, size: '1Gi' }, config: { ...base, size: '1Gi' } });
    assert.deepEqual(grow.requiresReplace, []);
    assert.ok(isUnknown(grow.planned?.size_bytes));
    const shrink = volumeResource.plan({ prior, proposed: { ...prior, size: '10Mi' }, config: { ...base, size: '10Mi' } });
    assert.equal(shrink.diagnostics.length, 1);
    assert.deepEqual(shrink.diagnostics[0].attribute?.steps, [{ attribute_name: 'size' }]);
  });

  it('replaces on rename', () => {
    const r = volumeResource.plan({ prior, proposed: { ...prior, name: 'other' }, config: { ...base, name: 'other' } });
    assert.deepEqual(r.requiresReplace, [[{ attribute_name: 'name' }]]);
    assert.equal(r.planned?.id, 'samples/other');
  });

  it('applies and waits through the client with the timeout passed in (default 120 s)', async () => {
    const waits: WaitOptions<VolumeStatus>[] = [];
    const client = {
      applyVolumeAndWait: async (spec: VolumeSpec, options: WaitOptions<VolumeStatus>) => {
        waits.push(options);
        return {
          status: { spec, state: 'ready', sizeBytes: spec.size, generation: 1, observedGeneration: 1, createdAt: '', updatedAt: '' },
          plan: { action: 'create', changes: [], deleteBeforeReplace: false, redeploy: false, errors: [] },
        };
      },
    } as unknown as RuntimeClient;
    const r = await volumeResource.apply(
      client,
      { prior: null, planned: { ...base, id: unknown(), size_bytes: unknown(), state: unknown(), attached_to: unknown() } },
      { timeoutMs: volumeResource.defaultTimeoutMs() },
    );
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.state?.size_bytes, 100 * 2 ** 20);
    assert.equal(r.state?.state, 'ready');
    assert.equal(waits[0].timeoutMs, 120_000);
  });
});
