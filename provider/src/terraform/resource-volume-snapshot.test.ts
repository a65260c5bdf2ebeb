import * as assert from 'node:assert/strict';
import type { RuntimeClient } from '../../../runtime/src/client/client';
import { ConflictError, NotFoundError } from '../../../schema/src/errors';
import type { VolumeSnapshot } from '../../../schema/src/types';
import { isUnknown, unknown, type CtyObject } from './cty';
import { volumeSnapshotResource as resource } from './resource-volume-snapshot';

const taken: VolumeSnapshot = {
  namespace: 'samples',
  volume: 'pgdata',
  name: 'before-migration',
  layers: ['l1'],
  size: 100 * 2 ** 20,
  sizeBytes: 100 * 2 ** 20,
  createdAt: '2026-12-03T02:00:00.000Z',
};
const config: CtyObject = {
  id: null,
  name: 'before-migration',
  namespace: 'samples',
  volume: 'pgdata',
  timeouts: null,
  size: null,
  size_bytes: null,
  created_at: null,
};
const prior: CtyObject = { ...config, id: 'samples/pgdata/before-migration', size: '100Mi', size_bytes: 104857600, created_at: taken.createdAt };
const client = (methods: Partial<RuntimeClient>) => methods as RuntimeClient;
const options = { timeoutMs: 5_000 };

describe('terraform lttle_volume_snapshot', () => {
  it('validates through the shared schema, naming the attribute', () => {
    const diags = resource.validate({ ...config, volume: 'pg data' });
    assert.equal(diags.length, 1);
    assert.deepEqual(diags[0].attribute?.steps, [{ attribute_name: 'volume' }]);
    assert.match(diags[0].detail, /^volume must be a name that starts with a letter/);
    assert.deepEqual(resource.validate({ ...config, volume: unknown() }), [], 'an unknown volume is judged once known');
    assert.deepEqual(resource.validate(config), []);
  });

  it('plans a create with the default namespace, the id and the computed values unknown', () => {
    const { planned } = resource.plan({ prior: null, proposed: { ...config, namespace: null }, config: { ...config, namespace: null } });
    assert.equal(planned?.namespace, 'default');
    assert.equal(planned?.id, 'default/pgdata/before-migration');
    assert.ok(isUnknown(planned?.size) && isUnknown(planned?.size_bytes) && isUnknown(planned?.created_at));
  });

  it('plans no change when nothing changed', () => {
    const r = resource.plan({ prior, proposed: prior, config });
    assert.deepEqual(r.planned, prior);
    assert.deepEqual(r.requiresReplace, []);
  });

  it('replaces on any change of name, namespace or volume, or an unknown volume', () => {
    for (const attribute of ['name', 'namespace', 'volume']) {
      const r = resource.plan({ prior, proposed: { ...prior, [attribute]: 'other' }, config: { ...config, [attribute]: 'other' } });
      assert.deepEqual(r.requiresReplace, [[{ attribute_name: attribute }]], attribute);
    }
    const r = resource.plan({ prior, proposed: { ...prior, volume: unknown() }, config: { ...config, volume: unknown() } });
    assert.deepEqual(r.requiresReplace, [[{ attribute_name: 'volume' }]]);
  });

  it('creates through the client and stores what the runtime recorded', async () => {
    const calls: string[] = [];
    const c = client({
      createVolumeSnapshot: async (ns: string, volume: string, name: string) => {
        calls.push(`${ns}/${volume}/${name}`);
        return taken;
      },
    });
    const planned = { ...config, id: 'samples/pgdata/before-migration', size: unknown(), size_bytes: unknown(), created_at: unknown() };
    const r = await resource.apply(c, { prior: null, planned }, options);
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(calls, ['samples/pgdata/before-migration']);
    assert.deepEqual(r.state, prior);
  });

  it('a missing volume is a diagnostic on `volume`, a taken name one on `name`; nothing is stored', async () => {
    const planned = { ...config, id: 'samples/pgdata/before-migration', size: unknown(), size_bytes: unknown(), created_at: unknown() };
    const missing = await resource.apply(
      client({
        createVolumeSnapshot: async () => {
          throw NotFoundError.of('volume samples/pgdata');
        },
      }),
      { prior: null, planned },
      options,
    );
    assert.equal(missing.state, null);
    assert.deepEqual(missing.diagnostics[0].attribute?.steps, [{ attribute_name: 'volume' }]);
    assert.match(missing.diagnostics[0].detail, /volume samples\/pgdata does not exist/);
    const clash = await resource.apply(
      client({
        createVolumeSnapshot: async () => {
          throw new ConflictError('volume samples/pgdata already has a snapshot before-migration');
        },
      }),
      { prior: null, planned },
      options,
    );
    assert.deepEqual(clash.diagnostics[0].attribute?.steps, [{ attribute_name: 'name' }]);
  });

  it('reads from the volume’s list; gone (or its volume gone) leaves the state', async () => {
    const listed = client({ listVolumeSnapshots: async () => [taken] });
    assert.deepEqual(await resource.read(listed, prior), prior);
    assert.equal(await resource.read(client({ listVolumeSnapshots: async () => [] }), prior), null);
    const noVolume = client({
      listVolumeSnapshots: async () => {
        throw NotFoundError.of('volume samples/pgdata');
      },
    });
    assert.equal(await resource.read(noVolume, prior), null);
  });

  it('deletes with snapshot rm, and an update of timeouts alone asks the runtime nothing', async () => {
    const removed: string[] = [];
    const c = client({
      deleteVolumeSnapshot: async (ns: string, volume: string, name: string) => {
        removed.push(`${ns}/${volume}/${name}`);
        return true;
      },
    });
    assert.deepEqual((await resource.apply(c, { prior, planned: null }, options)).state, null);
    assert.deepEqual(removed, ['samples/pgdata/before-migration']);
    const withTimeouts = { ...prior, timeouts: { create: '5m', update: null, delete: null } };
    assert.deepEqual((await resource.apply(client({}), { prior, planned: withTimeouts }, options)).state, withTimeouts);
  });

  it('imports by namespace/volume/snapshot and explains any other id', async () => {
    const state = await resource.importState(client({ listVolumeSnapshots: async () => [taken] }), 'samples/pgdata/before-migration');
    assert.equal(state?.id, 'samples/pgdata/before-migration');
    assert.equal(state?.volume, 'pgdata');
    await assert.rejects(resource.importState(client({}), 'samples/pgdata'), /must be namespace\/volume\/snapshot/);
  });
});
