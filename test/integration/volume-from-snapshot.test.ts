// `from-snapshot` on a volume (what both providers' declarative rollback uses)
// through the real daemon, without a machine: the new volume starts with the
// snapshot's bytes as a branch of its layers, may be larger, outlives the
// snapshot, and a wrong snapshot or a smaller size is refused on its field.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidError, type LttleError } from '../../schema/src/errors';
import { fsckClean } from '../support/ext4';
import { TestRuntime, volumeYaml } from '../support/runtime';
import { chainAsRaw, readExt4File, storedVolume, writeExt4File } from '../support/volume-chain';

const MiB = 2 ** 20;

describe('volume from-snapshot (lttled, no machine)', function () {
  this.timeout(180_000);
  let rt: TestRuntime;

  beforeEach(async () => {
    rt = new TestRuntime();
    assert.equal((await rt.cli(['deploy', rt.writeFile('v.yaml', volumeYaml('data', '64Mi'))])).code, 0);
    writeExt4File(storedVolume(rt.home, 'samples', 'data').file, 'first', 'rows of the first day');
    assert.equal((await rt.cli(['volume', 'snapshot', 'create', '--ns', 'samples', 'data', 'day1'])).code, 0);
  });
  afterEach(() => rt.dispose());

  it('creates a volume with the snapshot’s bytes, sharing its layers, that outlives the snapshot', async () => {
    const yaml = `volume:\n  name: restored\n  namespace: samples\n  size: 64Mi\n  from-snapshot: data/day1\n`;
    const deployed = await rt.cli(['deploy', rt.writeFile('restored.yaml', yaml)]);
    assert.equal(deployed.code, 0, deployed.stderr);
    const restored = storedVolume(rt.home, 'samples', 'restored');
    const [snapshot] = await rt.client.listVolumeSnapshots('samples', 'data');
    assert.deepEqual(restored.layers, snapshot.layers, 'a branch of the snapshot’s layers: nothing copied');
    assert.ok(fs.statSync(restored.file).blocks * 512 < MiB, 'its own overlay holds no data yet');
    const status = await rt.client.getVolume('samples', 'restored');
    assert.equal(status?.state, 'ready');
    assert.equal(status?.spec['from-snapshot'], 'data/day1');
    assert.equal(status?.sizeBytes, 64 * MiB);
    assert.equal(readExt4File(chainAsRaw(rt.home, 'samples', 'restored'), 'first'), 'rows of the first day');

    // The snapshot goes; the volume made from it keeps its layers and its bytes.
    assert.equal(await rt.client.deleteVolumeSnapshot('samples', 'data', 'day1'), true);
    for (const layer of snapshot.layers) assert.ok(fs.existsSync(path.join(rt.home, 'layers', layer)), `layer ${layer} kept`);
    const flat = chainAsRaw(rt.home, 'samples', 'restored');
    assert.ok(fsckClean(flat));
    assert.equal(readExt4File(flat, 'first'), 'rows of the first day');
  });

  it('a larger size grows the new volume; the data stays', async () => {
    const { status } = await rt.client.applyVolume({ name: 'bigger', namespace: 'samples', size: '96Mi', 'from-snapshot': 'data/day1' });
    assert.equal(status.sizeBytes, 96 * MiB);
    assert.equal(status.spec.size, 96 * MiB);
    assert.equal(readExt4File(chainAsRaw(rt.home, 'samples', 'bigger'), 'first'), 'rows of the first day');
  });

  it('refuses a snapshot that does not exist on from-snapshot, and a smaller size on size; nothing is created', async () => {
    await assert.rejects(rt.client.applyVolume({ name: 'r', namespace: 'samples', size: '64Mi', 'from-snapshot': 'data/day9' }), (err: LttleError) => {
      assert.ok(err instanceof InvalidError, String(err));
      assert.deepEqual(
        err.issues.map((i) => i.path),
        [['from-snapshot']],
      );
      assert.match(err.message, /names snapshot day9 of volume samples\/data, which does not exist/);
      return true;
    });
    await assert.rejects(rt.client.applyVolume({ name: 'r', namespace: 'samples', size: '32Mi', 'from-snapshot': 'data/day1' }), (err: LttleError) => {
      assert.deepEqual(
        err.issues.map((i) => i.path),
        [['size']],
      );
      assert.match(err.message, /must be at least 64Mi, the size of snapshot data\/day1/);
      return true;
    });
    const bad = await rt.cli(['deploy', rt.writeFile('bad.yaml', 'volume:\n  name: r\n  namespace: samples\n  size: 64Mi\n  from-snapshot: day1\n')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /from-snapshot must be VOLUME\/SNAPSHOT/);
    assert.equal(await rt.client.getVolume('samples', 'r'), undefined);
    // deploy checks every document first: with a volume from a missing snapshot, nothing of the file is made.
    const yaml = `${volumeYaml('other', '16Mi')}---\nvolume:\n  name: r\n  namespace: samples\n  size: 64Mi\n  from-snapshot: data/day9\n`;
    const refused = await rt.cli(['deploy', rt.writeFile('two.yaml', yaml)]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /from-snapshot names snapshot day9 of volume samples\/data, which does not exist/);
    assert.equal(await rt.client.getVolume('samples', 'other'), undefined, 'the first document was not applied either');
  });
});
