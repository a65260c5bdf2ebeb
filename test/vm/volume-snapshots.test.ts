// Volume snapshots under a live PostgreSQL: a snapshot taken while the seed
// app's machine has the volume open (QMP switches its disk to the overlay),
// online grow and deep suspend over the chain, a restore refused while the
// machine is up and then done while it is deep-suspended: the app comes back
// with exactly the snapshot's rows. One seed app, two boots.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConflictError, type LttleError } from '../../schema/src/errors';
import type { AppStatus } from '../../schema/src/types';
import { fsckClean } from '../support/ext4';
import { hostPort, psql, type PsqlTarget } from '../support/psql';
import { TestRuntime } from '../support/runtime';
import { documentsYaml, seedDocuments } from '../support/seed';
import { deployInitialisedSeedVolume } from '../support/seed-volume';
import { chainAsRaw, storedVolume } from '../support/volume-chain';

const NS = 'snap';
const MiB = 2 ** 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('volume snapshots under PostgreSQL', function () {
  this.timeout(1_800_000);
  const rt = new TestRuntime('lttle-snap-');
  let target: PsqlTarget;

  const status = async (): Promise<AppStatus> => (await rt.client.getApp(NS, 'pg'))!;
  const qemuPid = (): number | undefined => {
    const file = path.join(rt.home, 'machines', NS, 'pg', 'qemu.pid');
    return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : undefined;
  };
  const openFiles = (pid: number) => fs.readdirSync(`/proc/${pid}/fd`).map((fd) => fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
  /** Inodes QEMU has open: the layer is the old top file under another name, so paths do not match. */
  const openInodes = (pid: number) => fs.readdirSync(`/proc/${pid}/fd`).map((fd) => fs.statSync(`/proc/${pid}/fd/${fd}`, { throwIfNoEntry: false })?.ino);
  async function waitDeep(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await status();
      if (s.state === 'suspended' && s.flash?.deep) return;
      if (s.state === 'error') throw new Error(`pg is in error: ${s.message ?? ''}`);
      if (Date.now() > deadline) throw new Error(`pg not deep-suspended within ${timeoutMs} ms (state ${s.state})`);
      await sleep(100);
    }
  }

  before(async () => {
    rt.env.LTTLE_MAX_LAYERS = '2';
    const { app } = seedDocuments();
    if (typeof app.mode === 'string') throw new Error("the seed's app is expected in flash mode");
    app.name = 'pg';
    app.namespace = NS;
    app.volumes[0].name = 'data';
    // Long enough that the machine is still up (running or paused) when the test acts on it.
    app.mode.flash['deep-suspend-after'] = 15;
    await deployInitialisedSeedVolume(rt, NS, 'data');
    const res = await rt.cli(['deploy', rt.writeFile('pg.yaml', documentsYaml({ app })), '--timeout', '900']);
    assert.equal(res.code, 0, res.stderr);
    target = hostPort((await status()).services[0].hostAddress);
  });

  after(async () => {
    await rt.client.deleteApp(NS, 'pg').catch(() => undefined);
    await rt.dispose();
  });

  it('snapshots the open volume, grows it online, restores only once its machine is gone, and keeps exactly the snapshot rows', async () => {
    await psql(target, 'create table t (n int); insert into t select generate_series(1, 100)');
    const pid = qemuPid();
    assert.ok(pid && fs.existsSync(`/proc/${pid}`), 'the machine is up');
    const taken = await rt.cli(['volume', 'snapshot', 'create', '--ns', NS, 'data', 'before-import']);
    assert.equal(taken.code, 0, taken.stderr);
    const chained = storedVolume(rt.home, NS, 'data');
    assert.equal(chained.format, 'qcow2');
    assert.equal(qemuPid(), pid, 'the same machine runs on');
    assert.ok(openFiles(pid).includes(chained.file), 'QEMU writes into the new overlay');
    assert.ok(openInodes(pid).includes(fs.statSync(path.join(rt.home, 'layers', chained.layers![0])).ino), 'and reads the frozen layer under it');

    await psql(target, 'insert into t select generate_series(101, 150)');
    assert.equal(await psql(target, 'select count(*) from t'), '150');

    // Past the bound (LTTLE_MAX_LAYERS=2 here) the open chain is streamed into its top file (QMP block-stream) first.
    await rt.client.createVolumeSnapshot(NS, 'data', 'second');
    assert.equal(storedVolume(rt.home, NS, 'data').layers?.length, 2);
    await rt.client.createVolumeSnapshot(NS, 'data', 'third');
    assert.equal(storedVolume(rt.home, NS, 'data').layers?.length, 1, 'streamed, then frozen again');
    assert.equal(qemuPid(), pid, 'the same machine still runs');
    assert.equal(await psql(target, 'select count(*) from t'), '150');

    // Suspended, QEMU keeps the disks inactive after the snapshot and cannot stream them: past the
    // bound the app is deep-suspended (its snapshot as taken) and the chain flattened offline.
    await rt.waitForApp(NS, 'pg', { states: ['suspended'], timeoutMs: 60_000 });
    assert.ok(!(await status()).flash?.deep, 'paused, not deep yet');
    await rt.client.createVolumeSnapshot(NS, 'data', 'fourth');
    await rt.client.createVolumeSnapshot(NS, 'data', 'fifth');
    const released = await status();
    assert.ok(released.flash?.deep, 'deep-suspended to let go of its disks');
    assert.match(released.flash?.deepReason ?? '', /volume chain reached LTTLE_MAX_LAYERS \(2\): flattened/);
    assert.equal(storedVolume(rt.home, NS, 'data').layers?.length, 1, 'flattened, then frozen again');
    assert.equal(await psql(target, 'select count(*) from t'), '150', 'every row, from the deep snapshot');
    assert.doesNotMatch((await rt.cli(['machine', 'logs', '--ns', NS, 'pg'])).stdout, /cold boot instead of restoring/);

    // Online grow of a chained volume: QEMU resizes the overlay, the guest its ext4.
    const top = storedVolume(rt.home, NS, 'data').file;
    const grown = await rt.client.applyVolume({ name: 'data', namespace: NS, size: '150Mi' });
    assert.equal(grown.status.sizeBytes, 150 * MiB);
    assert.equal(storedVolume(rt.home, NS, 'data').file, top, 'grown in place, still a chain');
    const df = await rt.cli(['machine', 'exec', '--ns', NS, 'pg', 'df', '-B1', '/var/lib/postgresql/data']);
    assert.match(df.stdout, /\s1[45]\d{7}\s/, `the guest sees about 150 MiB: ${df.stdout}`);

    await assert.rejects(rt.client.restoreVolumeSnapshot(NS, 'data', 'before-import'), (err: LttleError) => {
      assert.ok(err instanceof ConflictError, String(err));
      assert.match(err.message, /open in the machine of app snap\/pg: a restore needs the app deleted or deep-suspended/);
      return true;
    });
    assert.equal(await psql(target, 'select count(*) from t'), '150', 'a refused restore changes nothing');

    // Deep suspend and wake over the chain: the memory snapshot restores (no cold boot).
    await waitDeep();
    assert.equal(await psql(target, 'select count(*) from t'), '150');
    assert.match((await rt.cli(['machine', 'logs', '--ns', NS, 'pg'])).stdout, /restored the machine from its persisted snapshot/);

    await waitDeep();
    const restored = await rt.cli(['volume', 'snapshot', 'restore', '--ns', NS, 'data', 'before-import', '-y']);
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(await psql(target, 'select count(*) from t', 600_000), '100', 'exactly the rows of the snapshot');
    assert.match((await rt.cli(['machine', 'logs', '--ns', NS, 'pg'])).stdout, /volume snap\/data changed since the snapshot/);
    await psql(target, 'insert into t values (1000)');

    // Deleting the app stops PostgreSQL cleanly; the chain then reads as a clean ext4.
    await rt.client.deleteApp(NS, 'pg');
    assert.ok(fsckClean(chainAsRaw(rt.home, NS, 'data')), 'e2fsck finds the chain clean');
  });
});
