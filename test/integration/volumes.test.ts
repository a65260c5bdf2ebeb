// Volumes through the real daemon over its socket: real ext4 files.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidError, type LttleError } from '../../schema/src/errors';
import { dumpe2fsBytes, fsckClean } from '../support/ext4';
import { TestRuntime, volumeYaml } from '../support/runtime';

const MiB = 2 ** 20;

describe('volumes (lttled over its socket)', function () {
  this.timeout(120_000);
  let rt: TestRuntime;
  const file = (ns: string, name: string) => path.join(rt.home, 'volumes', ns, `${name}.ext4`);

  beforeEach(() => {
    rt = new TestRuntime();
  });
  afterEach(() => rt.dispose());

  it('creates a 100Mi ext4 volume, grows it, refuses to shrink it and deletes it', async () => {
    const deploy = await rt.cli(['deploy', rt.writeFile('v.yaml', volumeYaml('pgdata', '100Mi'))]);
    assert.equal(deploy.stderr, '');
    assert.equal(deploy.stdout, 'Successfully deployed volume: samples/pgdata\n');
    assert.equal(deploy.code, 0);
    assert.ok(fsckClean(file('samples', 'pgdata')));
    assert.equal(dumpe2fsBytes(file('samples', 'pgdata')), 100 * MiB);
    assert.ok(fs.statSync(file('samples', 'pgdata')).blocks * 512 < 20 * MiB, 'the volume file is sparse');

    const grown = await rt.client.applyVolume({ name: 'pgdata', namespace: 'samples', size: '200Mi' });
    assert.equal(grown.plan.action, 'update');
    assert.equal(grown.status.sizeBytes, 200 * MiB);
    assert.ok(fsckClean(file('samples', 'pgdata')));
    assert.equal(dumpe2fsBytes(file('samples', 'pgdata')), 200 * MiB);

    await assert.rejects(rt.client.applyVolume({ name: 'pgdata', namespace: 'samples', size: '100Mi' }), (err: LttleError) => {
      assert.ok(err instanceof InvalidError, String(err));
      assert.deepEqual(
        err.issues.map((i) => i.path),
        [['size']],
      );
      assert.match(err.message, /must not be smaller than the current 200Mi/);
      return true;
    });
    assert.equal(dumpe2fsBytes(file('samples', 'pgdata')), 200 * MiB, 'a refused shrink changes nothing');

    const again = await rt.client.applyVolume({ name: 'pgdata', namespace: 'samples', size: '200Mi' });
    assert.equal(again.plan.action, 'none');

    const get = await rt.cli(['volume', 'get', '--ns', 'samples', 'pgdata', '--output', 'json']);
    assert.equal(JSON.parse(get.stdout).sizeBytes, 200 * MiB);

    const rm = await rt.cli(['volume', 'rm', '--ns', 'samples', 'pgdata', '-y']);
    assert.equal(rm.stdout, "Volume 'pgdata' has been deleted.\n");
    assert.equal(fs.existsSync(file('samples', 'pgdata')), false);
    const gone = await rt.cli(['volume', 'get', '--ns', 'samples', 'pgdata']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /volume samples\/pgdata not found/);
  });

  it('deploys nothing when one document of the files is bad', async () => {
    await rt.client.applyVolume({ name: 'existing', namespace: 'samples', size: '64Mi' });
    const good = rt.writeFile('good.yaml', volumeYaml('fresh', '10Mi'));
    const shrink = rt.writeFile('shrink.yaml', volumeYaml('existing', '32Mi'));
    const res = await rt.cli(['deploy', good, shrink]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /shrink\.yaml: document 1 \(volume "existing"\), line 5 col 9: size must not be smaller than the current 64Mi/);
    assert.match(res.stderr, /Nothing was deployed\./);
    assert.equal(await rt.client.getVolume('samples', 'fresh'), undefined);
    assert.equal(dumpe2fsBytes(file('samples', 'existing')), 64 * MiB);

    const invalid = rt.writeFile('bad.yaml', `${volumeYaml('fresh', '10Mi')}---\n${volumeYaml('other', '10XB')}`);
    const res2 = await rt.cli(['deploy', invalid]);
    assert.equal(res2.code, 1);
    assert.match(res2.stderr, /bad\.yaml: document 2 \(volume "other"\), line 11 col 9: size must be a size/);
    assert.equal(await rt.client.getVolume('samples', 'fresh'), undefined);
    assert.deepEqual(fs.readdirSync(path.join(rt.home, 'volumes', 'samples')), ['existing.ext4']);
  });

  it('serialises concurrent changes to one volume', async () => {
    await rt.client.applyVolume({ name: 'busy', size: '10Mi' });
    const sizes = [20, 30, 40, 50, 60];
    await Promise.all(sizes.map((s) => rt.client.applyVolume({ name: 'busy', size: `${s}Mi` }).catch((err: LttleError) => err)));
    const status = await rt.client.getVolume('default', 'busy');
    assert.ok(status);
    assert.equal(status.state, 'ready');
    assert.equal(dumpe2fsBytes(file('default', 'busy')), status.sizeBytes);
    assert.ok(fsckClean(file('default', 'busy')));
  });

  it('answers schema errors with the property path, and refuses a second daemon', async () => {
    await assert.rejects(rt.client.applyVolume({ name: 'x', size: '1Gi', color: 'red' }), (err: LttleError) => {
      assert.ok(err instanceof InvalidError, String(err));
      assert.deepEqual(err.issues, [
        { path: ['color'], message: 'is not a known field (known fields: name, namespace, mode, size, from-snapshot)', atKey: true },
      ]);
      return true;
    });
    const second = rt.startDaemon();
    const code = await new Promise((resolve) => second.on('exit', resolve));
    assert.equal(code, 3);
    assert.match(fs.readFileSync(path.join(rt.home, 'lttled.test.log'), 'utf8'), /another lttled \(pid \d+\) is already running/);
    assert.ok(await rt.client.health(), 'the first daemon still serves');
  });

  it('shows clear CLI errors with non-zero exit codes', async () => {
    const missing = await rt.cli(['deploy', '/nonexistent.yaml']);
    assert.equal(missing.code, 2, 'a path that is not there is a usage error');
    assert.match(missing.stderr, /\/nonexistent\.yaml: .*no such file/);
    const usage = await rt.cli(['volume', 'get']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing argument/);
    const help = await rt.cli(['volume', 'rm', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: lttle volume rm/);
    const noConfirm = await rt.cli(['volume', 'rm', 'nothing']);
    assert.equal(noConfirm.code, 1);
    assert.match(noConfirm.stderr, /pass -y/);
  });
});
