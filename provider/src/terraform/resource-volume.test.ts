import * as assert from 'node:assert/strict';
import { isUnknown, type CtyObject } from './cty';
import { volumeResource } from './resource-volume';

const base: CtyObject = { id: null, name: 'pgdata', namespace: 'samples', mode: 'writeable', size: '100Mi', size_bytes: null, state: null, attached_to: null };
const prior: CtyObject = { ...base, id: 'samples/pgdata', size_bytes: 104857600, state: 'ready' };

describe('terraform lttle_volume', () => {
  it('validates through the shared schema with the attribute path', () => {
    const diags = volumeResource.validate({ ...base, size: '1.2.3Mi' });
    assert.equal(diags.length, 1);
    assert.deepEqual(diags[0].attribute?.steps, [{ attribute_name: 'size' }]);
    assert.deepEqual(volumeResource.validate(base), []);
  });

  it('plans a create with defaults and computed values unknown', () => {
    const { planned } = volumeResource.plan({ prior: null, proposed: { ...base, namespace: null, mode: null }, config: { ...base, namespace: null, mode: null } });
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
});
