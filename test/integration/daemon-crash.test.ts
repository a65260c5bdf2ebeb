// lttled killed with SIGKILL in the middle of a burst of volume operations:
// after a restart, the state matches the files on disk.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntimeClient } from '../../runtime/src/client/client';
import { dumpe2fsBytes, fsckClean } from '../support/ext4';
import { TestRuntime, waitForExit } from '../support/runtime';

describe('lttled crash safety', function () {
  this.timeout(300_000);
  let rt: TestRuntime;
  beforeEach(() => {
    rt = new TestRuntime();
  });
  afterEach(() => rt.dispose());

  for (const killAfter of [0, 5, 12]) {
    it(`keeps state and files consistent when killed after ${killAfter} of 30 burst operations`, async () => {
      const daemon = rt.startDaemon();
      await rt.waitForDaemon();
      const client = new RuntimeClient({ env: rt.env, autostart: false });
      // Some volumes exist before the burst, so the burst grows and deletes too.
      for (let i = 0; i < 4; i++) await client.applyVolume({ name: `v${i}`, size: '8Mi' });
      let finished = 0;
      const burst: Promise<unknown>[] = [];
      for (let i = 0; i < 30; i++) {
        const name = `v${i % 10}`;
        const op = i % 3 === 0 ? client.deleteVolume('default', name) : client.applyVolume({ name, size: `${16 + 4 * i}Mi` });
        burst.push(
          op.then(
            () => finished++,
            () => undefined,
          ),
        );
      }
      while (finished < killAfter) await new Promise((r) => setTimeout(r, 2));
      daemon.kill('SIGKILL');
      const finishedBeforeKill = finished;
      await waitForExit(daemon.pid!);
      await Promise.all(burst);
      assert.ok(finishedBeforeKill < burst.length, 'the kill interrupted the burst');

      const restarted = rt.startDaemon();
      await rt.waitForDaemon();
      const volumes = await client.listVolumes();
      const dir = path.join(rt.home, 'volumes', 'default');
      const files = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
      assert.deepEqual(files, volumes.map((v) => `${v.spec.name}.ext4`).sort(), 'every file has a record and every record a file');
      for (const v of volumes) {
        assert.equal(v.state, 'ready', `${v.spec.name} is ${v.state}`);
        const file = path.join(dir, `${v.spec.name}.ext4`);
        assert.ok(fsckClean(file), `${v.spec.name} passes e2fsck -fn`);
        assert.equal(dumpe2fsBytes(file), v.sizeBytes, `${v.spec.name} size matches its record`);
        assert.equal(v.sizeBytes, v.spec.size, `${v.spec.name} has the size its spec says`);
      }
      // The runtime keeps working after recovery.
      await client.applyVolume({ name: 'after', size: '4Mi' });
      assert.ok(fsckClean(path.join(dir, 'after.ext4')));
      restarted.kill('SIGTERM');
      await waitForExit(restarted.pid!);
    });
  }

  // Kill points: while the grown copy is written, and later (resize2fs on the copy, the rename, the record).
  for (const delayMs of [0, 150, 400, 900]) {
    it(`a grow killed with SIGKILL ${delayMs} ms into its copy leaves a clean volume with its data and a consistent size`, async () => {
      const MiB = 2 ** 20;
      const daemon = rt.startDaemon();
      await rt.waitForDaemon();
      const client = new RuntimeClient({ env: rt.env, autostart: false });
      await client.applyVolume({ name: 'data', size: '64Mi' });
      const file = path.join(rt.home, 'volumes', 'default', 'data.ext4');
      // Data in the filesystem that must survive.
      const payload = path.join(rt.home, 'payload');
      fs.writeFileSync(payload, crypto.randomBytes(8 * MiB));
      execFileSync('debugfs', ['-w', '-R', `write ${payload} payload`, file], { stdio: 'pipe' });

      const grow = client.applyVolume({ name: 'data', size: '3Gi' }).catch((err: Error) => err);
      while (!fs.existsSync(`${file}.grow`)) await new Promise((r) => setTimeout(r, 1));
      await new Promise((r) => setTimeout(r, delayMs));
      daemon.kill('SIGKILL');
      await waitForExit(daemon.pid!);
      await grow;

      const restarted = rt.startDaemon();
      await rt.waitForDaemon();
      const volume = (await client.getVolume('default', 'data'))!;
      assert.equal(volume.state, 'ready', `${volume.state}: ${volume.message}`);
      assert.ok(!fs.existsSync(`${file}.grow`), 'the grown copy is gone');
      assert.ok(fsckClean(file), 'the volume passes e2fsck -fn');
      assert.equal(dumpe2fsBytes(file), volume.sizeBytes, 'the record has the filesystem size');
      // Recovery completes the recorded grow (or, had it failed, would return to the old spec and say why).
      assert.equal(volume.spec.size, 3 * 2 ** 30);
      assert.equal(volume.sizeBytes, 3 * 2 ** 30);
      const back = path.join(rt.home, 'payload.back');
      execFileSync('debugfs', ['-R', `dump payload ${back}`, file], { stdio: 'pipe' });
      assert.ok(fs.readFileSync(back).equals(fs.readFileSync(payload)), 'the data is intact');
      restarted.kill('SIGTERM');
      await waitForExit(restarted.pid!);
    });
  }

  it('a daemon start never refuses because of one bad volume: it is marked error with the reason, the rest serve', async () => {
    const daemon = rt.startDaemon();
    await rt.waitForDaemon();
    const client = new RuntimeClient({ env: rt.env, autostart: false });
    await client.applyVolume({ name: 'good', size: '8Mi' });
    await client.applyVolume({ name: 'bad', size: '8Mi' });
    daemon.kill('SIGKILL');
    await waitForExit(daemon.pid!);
    // A grow recorded as in flight whose image is garbage and whose old spec is lost.
    const record = path.join(rt.home, 'state', 'volumes', 'default', 'bad.json');
    const stored = JSON.parse(fs.readFileSync(record, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(record, JSON.stringify({ ...stored, state: 'resizing', spec: { ...(stored.spec as object), size: 16 * 2 ** 20 } }));
    fs.writeFileSync(path.join(rt.home, 'volumes', 'default', 'bad.ext4'), 'not an ext4 image');

    const restarted = rt.startDaemon();
    await rt.waitForDaemon();
    const bad = (await client.getVolume('default', 'bad'))!;
    assert.equal(bad.state, 'error');
    assert.match(bad.message ?? '', /recovery failed: .*bad\.ext4/);
    assert.equal((await client.getVolume('default', 'good'))!.state, 'ready');
    await client.applyVolume({ name: 'new', size: '4Mi' });
    assert.ok(fsckClean(path.join(rt.home, 'volumes', 'default', 'new.ext4')));
    restarted.kill('SIGTERM');
    await waitForExit(restarted.pid!);
  });
});
