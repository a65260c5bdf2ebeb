import * as assert from 'node:assert/strict';
import { ConflictError, NotFoundError } from '../../../schema/src/errors';
import type { VolumeSnapshot } from '../../../schema/src/types';
import { PropertyError } from './errors';
import { DiffKind } from './resource';
import { noRuntime, withClient } from './testing/contexts';
import { decode, UNKNOWN } from './values';
import { parseSnapshotId } from '../../../schema/src/snapshot-id';
import { volumeSnapshot } from './volume-snapshot';

const taken: VolumeSnapshot = {
  namespace: 'samples',
  volume: 'pgdata',
  name: 'before-migration',
  layers: ['l1'],
  size: 100 * 2 ** 20,
  sizeBytes: 100 * 2 ** 20,
  createdAt: '2026-12-03T02:00:00.000Z',
};
const inputs = { name: 'before-migration', namespace: 'samples', volume: 'pgdata' };

describe('pulumi VolumeSnapshot: Check', () => {
  it('names the field that breaks the rules', () => {
    const r = volumeSnapshot.check(decode({ name: 'snap', volume: 'pg data' }), undefined, { logicalName: 'snap' });
    assert.deepEqual(
      r.failures.map((f) => f.property),
      ['volume'],
    );
    assert.match(r.failures[0].reason, /^volume must be a name that starts with a letter/);
  });

  it('requires the volume', () => {
    const r = volumeSnapshot.check(decode({ name: 'snap' }), undefined, { logicalName: 'snap' });
    assert.deepEqual(r.failures, [{ property: 'volume', reason: 'volume is required' }]);
  });

  it('autonames the snapshot from the Pulumi name when `name` is left out', () => {
    const r = volumeSnapshot.check(decode({ volume: 'pgdata' }), undefined, { logicalName: 'nightly' });
    assert.deepEqual(r.failures, []);
    assert.match(String(r.inputs.name), /^nightly-[a-z0-9]{8}$/);
  });
});

describe('pulumi VolumeSnapshot: Diff', () => {
  it('the same snapshot, namespace spelled out or defaulted, is no change', () => {
    const r = volumeSnapshot.diff({ name: 's', volume: 'v' }, decode({ name: 's', namespace: 'default', volume: 'v' }));
    assert.equal(r.changed, false);
  });

  it('a new name replaces, taking the new snapshot before the old one goes', () => {
    const r = volumeSnapshot.diff(inputs, decode({ ...inputs, name: 'after-migration' }));
    assert.deepEqual(r.replaces, ['name']);
    assert.deepEqual(r.detailed, { name: DiffKind.UPDATE_REPLACE });
    assert.equal(r.deleteBeforeReplace, false);
  });

  it('another volume replaces it too (never an update: a snapshot is one instant of one volume)', () => {
    const r = volumeSnapshot.diff(inputs, decode({ ...inputs, volume: 'other' }));
    assert.deepEqual(r.replaces, ['volume']);
    assert.deepEqual(r.detailed, { volume: DiffKind.UPDATE_REPLACE });
  });

  it('an unknown volume (a volume being replaced) replaces, deleting first: it may be the same name', () => {
    const r = volumeSnapshot.diff(inputs, decode({ ...inputs, volume: UNKNOWN }));
    assert.deepEqual(r.replaces, ['volume']);
    assert.equal(r.deleteBeforeReplace, true);
  });
});

describe('pulumi VolumeSnapshot: Create', () => {
  it('a preview returns the inputs with the computed outputs unknown, without the runtime', async () => {
    const r = await volumeSnapshot.create(noRuntime, decode({ name: 's', volume: 'v' }), true, 0);
    assert.deepEqual(r.outputs, { name: 's', namespace: 'default', volume: 'v', size: UNKNOWN, sizeBytes: UNKNOWN, createdAt: UNKNOWN });
  });

  it('takes the snapshot and reports what the runtime recorded; the id is namespace/volume/snapshot', async () => {
    const calls: string[] = [];
    const ctx = withClient({
      createVolumeSnapshot: async (ns, volume, name) => {
        calls.push(`${ns}/${volume}/${name}`);
        return taken;
      },
    });
    const r = await volumeSnapshot.create(ctx, decode(inputs), false, 0);
    assert.deepEqual(calls, ['samples/pgdata/before-migration']);
    assert.equal(r.id, 'samples/pgdata/before-migration');
    assert.deepEqual(r.outputs, { ...inputs, size: '100Mi', sizeBytes: 104857600, createdAt: '2026-12-03T02:00:00.000Z' });
  });

  it('a volume that does not exist is an error on `volume`', async () => {
    const ctx = withClient({
      createVolumeSnapshot: async () => {
        throw NotFoundError.of('volume samples/pgdata');
      },
    });
    await assert.rejects(
      volumeSnapshot.create(ctx, decode(inputs), false, 0),
      (err: unknown) => err instanceof PropertyError && err.failures[0].property === 'volume' && /samples\/pgdata, which does not exist/.test(err.message),
    );
  });

  it('a name the volume already has is refused with the import command, not adopted', async () => {
    const ctx = withClient({
      createVolumeSnapshot: async () => {
        throw new ConflictError('volume samples/pgdata already has a snapshot before-migration');
      },
    });
    await assert.rejects(
      volumeSnapshot.create(ctx, decode(inputs), false, 0),
      (err: unknown) => err instanceof ConflictError && /pulumi import lttle:index:VolumeSnapshot <name> samples\/pgdata\/before-migration/.test(err.message),
    );
  });
});

describe('pulumi VolumeSnapshot: Read/Delete', () => {
  it('reads the snapshot from the volume’s list; import gets its inputs from the id', async () => {
    const ctx = withClient({ listVolumeSnapshots: async () => [{ ...taken, name: 'other' }, taken] });
    const r = await volumeSnapshot.read(ctx, 'samples/pgdata/before-migration', decode({}), decode({}));
    assert.equal(r.id, 'samples/pgdata/before-migration');
    assert.deepEqual(r.inputs, inputs);
    assert.equal(r.outputs.createdAt, taken.createdAt);
  });

  it('a snapshot removed outside Pulumi, or its volume gone, reads as gone', async () => {
    const gone = withClient({ listVolumeSnapshots: async () => [{ ...taken, name: 'other' }] });
    assert.deepEqual(await volumeSnapshot.read(gone, 'samples/pgdata/before-migration', decode(inputs), decode(inputs)), { id: '', outputs: {} });
    const noVolume = withClient({
      listVolumeSnapshots: async () => {
        throw NotFoundError.of('volume samples/pgdata');
      },
    });
    assert.deepEqual(await volumeSnapshot.read(noVolume, 'samples/pgdata/before-migration', decode(inputs), decode(inputs)), { id: '', outputs: {} });
  });

  it('an id that is not namespace/volume/snapshot is explained', async () => {
    assert.equal(parseSnapshotId('samples/pgdata'), undefined);
    await assert.rejects(volumeSnapshot.read(noRuntime, 'samples/pgdata', decode({}), decode({})), /namespace\/volume\/snapshot/);
  });

  it('Delete removes the snapshot, and one already gone is no error', async () => {
    const removed: string[] = [];
    const ctx = withClient({
      deleteVolumeSnapshot: async (ns, volume, name) => {
        removed.push(`${ns}/${volume}/${name}`);
        return false;
      },
    });
    await volumeSnapshot.delete(ctx, 'samples/pgdata/before-migration', 0);
    assert.deepEqual(removed, ['samples/pgdata/before-migration']);
  });
});
