// Volume snapshots and layers through the real daemon, without a machine:
// real ext4 files, real qcow2 overlays, real qemu-img.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConflictError, type LttleError } from '../../schema/src/errors';
import { dumpe2fsBytes, fsckClean } from '../support/ext4';
import { TestRuntime, volumeYaml } from '../support/runtime';
import { chainAsRaw, readExt4File, storedVolume, writeExt4File } from '../support/volume-chain';

const MiB = 2 ** 20;
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('volume snapshots and layers (lttled, no machine)', function () {
  this.timeout(180_000);
  let rt: TestRuntime;
  const layerFiles = () => fs.readdirSync(path.join(rt.home, 'layers')).sort();

  beforeEach(() => {
    rt = new TestRuntime();
  });
  afterEach(() => rt.dispose());

  it('snapshots without copying, grows a chain, restores exactly the snapshot, refuses to lose it, and deletes its layers last', async () => {
    assert.equal((await rt.cli(['deploy', rt.writeFile('v.yaml', volumeYaml('data', '64Mi'))])).code, 0);
    const raw = storedVolume(rt.home, 'samples', 'data');
    writeExt4File(raw.file, 'first', 'rows of the first day');
    const before = sha(raw.file);

    const taken = await rt.cli(['volume', 'snapshot', 'create', '--ns', 'samples', 'data', 'day1']);
    assert.equal(taken.stderr, '');
    assert.equal(taken.stdout, "Snapshot 'day1' of volume 'data' has been taken.\n");
    const chained = storedVolume(rt.home, 'samples', 'data');
    assert.equal(chained.format, 'qcow2');
    assert.equal(chained.layers?.length, 1);
    assert.equal(chained.generation, raw.generation, 'a freeze changes no byte the guest sees: same generation');
    assert.ok(fs.statSync(chained.file).blocks * 512 < MiB, 'the new overlay holds no data');
    assert.ok(!fs.existsSync(raw.file), 'the old top file is now only the layer');
    assert.equal(sha(path.join(rt.home, 'layers', chained.layers[0])), before, 'the layer is the volume byte for byte');
    assert.equal(sha(chainAsRaw(rt.home, 'samples', 'data')), before, 'the chain reads back the same bytes');

    // An offline grow flattens the chain into one raw file (resize2fs needs it); the snapshot keeps its layer.
    const grown = await rt.client.applyVolume({ name: 'data', namespace: 'samples', size: '96Mi' });
    assert.equal(grown.status.sizeBytes, 96 * MiB);
    const flat = storedVolume(rt.home, 'samples', 'data');
    assert.equal(flat.format, 'raw');
    assert.deepEqual(flat.layers, []);
    assert.ok(fsckClean(flat.file));
    assert.equal(dumpe2fsBytes(flat.file), 96 * MiB);
    assert.deepEqual(layerFiles(), chained.layers);
    writeExt4File(flat.file, 'second', 'rows of the second day');

    const list = await rt.cli(['volume', 'snapshot', 'list', '--ns', 'samples', 'data']);
    assert.match(list.stdout, /^NAME\s+VOLUME\s+SIZE\s+CREATED\nday1\s+samples\/data\s+64Mi\s/);
    await assert.rejects(rt.client.deleteVolume('samples', 'data'), (err: LttleError) => {
      assert.ok(err instanceof ConflictError, String(err));
      assert.match(err.message, /has snapshots \(day1\); delete them first/);
      return true;
    });
    const unknown = await rt.cli(['volume', 'snapshot', 'restore', '--ns', 'samples', 'data', 'day9', '-y']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /snapshot day9 of volume samples\/data/);

    const restored = await rt.cli(['volume', 'snapshot', 'restore', '--ns', 'samples', 'data', 'day1', '-y']);
    assert.equal(restored.stdout, "Volume 'data' has been restored to snapshot 'day1'.\n");
    const back = storedVolume(rt.home, 'samples', 'data');
    assert.deepEqual(back.layers, chained.layers);
    assert.ok(back.generation > flat.generation, 'a restore is a new generation: no memory snapshot restores over it');
    const view = chainAsRaw(rt.home, 'samples', 'data');
    assert.ok(fsckClean(view));
    assert.equal(readExt4File(view, 'first'), 'rows of the first day');
    assert.equal(readExt4File(view, 'second'), undefined, 'what was written after the snapshot is gone');
    const status = await rt.client.getVolume('samples', 'data');
    assert.equal(status?.sizeBytes, 64 * MiB);
    assert.equal(status?.spec.size, 64 * MiB);

    // The snapshot goes; its layer stays while the volume's chain uses it, and goes with the volume.
    assert.equal((await rt.cli(['volume', 'snapshot', 'rm', '--ns', 'samples', 'data', 'day1'])).code, 0);
    assert.deepEqual(layerFiles(), chained.layers);
    assert.equal(await rt.client.deleteVolume('samples', 'data'), true);
    assert.deepEqual(layerFiles(), []);
    assert.deepEqual(fs.readdirSync(path.join(rt.home, 'volumes', 'samples')), []);
  });

  it('bounds a chain: past LTTLE_MAX_LAYERS it is flattened first, and every snapshot still restores', async () => {
    rt.env.LTTLE_MAX_LAYERS = '2';
    await rt.client.applyVolume({ name: 'data', namespace: 'samples', size: '32Mi' });
    writeExt4File(storedVolume(rt.home, 'samples', 'data').file, 'f1', 'version 1');
    const lengths: number[] = [];
    for (const name of ['s1', 's2', 's3']) {
      await rt.client.createVolumeSnapshot('samples', 'data', name);
      lengths.push(storedVolume(rt.home, 'samples', 'data').layers?.length ?? 0);
    }
    assert.deepEqual(lengths, [1, 2, 1], 'the third freeze flattened the two layers first');
    // Offline writes need a raw file: a grow flattens the chain, as every offline grow does.
    await rt.client.applyVolume({ name: 'data', namespace: 'samples', size: '33Mi' });
    writeExt4File(storedVolume(rt.home, 'samples', 'data').file, 'f2', 'version 2');
    await rt.client.createVolumeSnapshot('samples', 'data', 's4');
    for (const [name, f2] of [
      ['s1', undefined],
      ['s2', undefined],
      ['s3', undefined],
      ['s4', 'version 2'],
    ] as const) {
      await rt.client.restoreVolumeSnapshot('samples', 'data', name);
      const view = chainAsRaw(rt.home, 'samples', 'data');
      assert.ok(fsckClean(view), `${name} is clean`);
      assert.equal(readExt4File(view, 'f1'), 'version 1', name);
      assert.equal(readExt4File(view, 'f2'), f2, name);
    }
  });
});
