// A hostile guest and an unlucky operator, on one seed app (flash mode) so that
// VM boots stay few: 1 MB of log through `machine logs` into pipes, a 100 MB
// line, the volume filled to ENOSPC inside the guest, an online grow under the
// suspended app, and SIGKILL of lttled in the middle of a snapshot save and of
// an online grow. The cases run in order and share the app and its rows.
import * as assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AppStatus, VolumeStatus } from '../../../schema/src/types';
import { packageRoot } from '../../../schema/src/paths';
import { MAX_LINE_BYTES } from '../../../runtime/src/app/log-store';
import { dumpe2fsBytes, fsckClean } from '../../support/ext4';
import { hostPort, psql, type PsqlTarget } from '../../support/psql';
import { TestRuntime, waitForExit } from '../../support/runtime';
import { SEED_FILE, seedVolumeYaml } from '../../support/seed';
import { deployInitialisedSeedVolume } from '../../support/seed-volume';

const MiB = 2 ** 20;
const NS = 'samples';
const APP = 'postgresql';
const DATA = '/var/lib/postgresql/data';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hostile guest: the seed app pushed to its limits', function () {
  this.timeout(1_800_000);
  const rt = new TestRuntime('lttle-guest-');
  const lttle = path.join(packageRoot(), 'bin', 'lttle');
  let daemon: ChildProcess;
  let target: PsqlTarget;
  /** Rows committed so far (each case adds some; none may be lost). */
  let committed = 0;

  const sh = (script: string) => spawnSync('bash', ['-o', 'pipefail', '-c', script], { env: rt.env, encoding: 'utf8', maxBuffer: 256 * MiB });
  const execIn = (script: string) => rt.cli(['machine', 'exec', '--ns', NS, APP, '--', 'sh', '-c', script]);
  /** Output written to the postmaster's stdout is the app's own output (it is the process the agent started). */
  const toAppStdout = (producer: string) => execIn(`p=$(head -n1 ${DATA}/postmaster.pid); { ${producer}; } > /proc/$p/fd/1`);
  const daemonLog = () => fs.readFileSync(path.join(rt.home, 'lttled.test.log'), 'utf8');
  const record = (kind: 'apps' | 'volumes', name: string) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(rt.home, 'state', kind, NS, `${name}.json`), 'utf8')) as { state: string };
    } catch {
      return undefined; // between the write and the rename of an update
    }
  };
  const rssBytes = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
  const serving = () => rt.waitForApp(NS, APP, { states: ['ready', 'suspended'], timeoutMs: 900_000 });
  const volumeFile = path.join(rt.home, 'volumes', NS, 'pgdata.ext4');
  const seedVolume = (size: string) => rt.writeFile(`pgdata-${size}.yaml`, seedVolumeYaml(size));

  async function restartDaemon(): Promise<void> {
    daemon = rt.startDaemon();
    await rt.waitForDaemon();
  }

  async function killDaemon(): Promise<void> {
    daemon.kill('SIGKILL');
    await waitForExit(daemon.pid!);
  }

  async function insertRows(n: number): Promise<void> {
    await psql(target, `insert into t select generate_series(${committed + 1}, ${committed + n})`);
    committed += n;
  }

  before(async () => {
    // The guest's df is looked at often, so the nearly-full warning reaches the daemon's log quickly.
    rt.env.LTTLE_USAGE_POLL_MS = '2000';
    await restartDaemon();
    await deployInitialisedSeedVolume(rt, NS);
    const res = await rt.cli(['deploy', SEED_FILE]);
    assert.equal(res.code, 0, res.stderr);
    const status = await rt.waitForApp(NS, APP, { states: ['suspended'], timeoutMs: 900_000 });
    target = hostPort(status.services[0].hostAddress);
    await psql(target, 'create table t (n int primary key)');
    await insertRows(1000);
  });

  after(() => rt.dispose());

  it('machine logs writes 1 MB of log to a slow reader, ends quietly at `head`, and the daemon logs no EPIPE', async () => {
    const lines = 200_000;
    const produced = await toAppStdout(`seq 1 ${lines}; echo seq-done`);
    assert.equal(produced.code, 0, produced.stderr);
    const logs = [lttle, 'machine', 'logs', '--ns', NS, APP].join(' ');
    let full = sh(logs);
    for (let i = 0; !full.stdout.includes('seq-done') && i < 100; i++) {
      await sleep(500);
      full = sh(logs);
    }
    assert.equal(full.status, 0, full.stderr);
    assert.ok(full.stdout.length > MiB, `${full.stdout.length} bytes of log`);
    const seq = full.stdout.split('\n').filter((l) => /^\d+$/.test(l));
    assert.equal(seq.length, lines, 'every line of the guest is in the log');
    assert.equal(seq[lines - 1], String(lines));

    const slow = sh(`${logs} | (sleep 2; cat)`);
    assert.equal(slow.status, 0, slow.stderr);
    // The runtime may have added a line of its own since (the app suspending): the log only grows.
    assert.ok(slow.stdout.startsWith(full.stdout), `the slow reader got every byte (${slow.stdout.length} of at least ${full.stdout.length})`);
    const json = sh(`${lttle} app get --ns ${NS} ${APP} --output json | (sleep 1; cat)`);
    assert.equal(json.status, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as AppStatus).spec.name, APP);

    for (let i = 0; i < 5; i++) {
      const head = sh(`${logs} | head -c 100 >/dev/null`);
      assert.equal(head.status, 0, head.stderr);
      assert.equal(head.stderr, '');
    }
    await sleep(1000);
    assert.doesNotMatch(daemonLog(), /uncaught|EPIPE|unhandled/, 'the daemon saw no error from readers that went away');
    assert.ok(await rt.client.health());
  });

  it('a 100 MB line from the guest keeps the daemon memory bounded and is split at the documented cap', async () => {
    const pid = daemon.pid!;
    const before = rssBytes(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 100);
    try {
      const produced = await toAppStdout(`head -c 100000000 /dev/zero | tr '\\0' x; echo; echo big-line-done`);
      assert.equal(produced.code, 0, produced.stderr);
      const deadline = Date.now() + 600_000;
      while (!sh(`${lttle} machine logs --ns ${NS} ${APP} --tail 3`).stdout.includes('big-line-done')) {
        assert.ok(Date.now() < deadline, 'the end of the line reached the log');
        await sleep(1000);
      }
    } finally {
      clearInterval(sampler);
    }
    // Holding the line (or the log) would cost at least 100 MB.
    assert.ok(peak - before < 64 * MiB, `daemon RSS ${before} -> peak ${peak} bytes`);

    const logs = sh(`${lttle} machine logs --ns ${NS} ${APP} --tail 40`);
    assert.equal(logs.status, 0, logs.stderr);
    const pieces = logs.stdout.split('\n').filter((l) => /^x+$/.test(l));
    assert.ok(pieces.length >= 30, `${pieces.length} pieces of the line`);
    for (const p of pieces) assert.ok(p.length <= MAX_LINE_BYTES, `a piece of ${p.length} bytes`);
    assert.equal(pieces[pieces.length - 2].length, MAX_LINE_BYTES, 'the line is split at the cap');
    assert.equal(pieces[pieces.length - 1].length, 100_000_000 % MAX_LINE_BYTES, 'its end is the remainder');
    // The store keeps at most two files of its size cap; a 100 MB line is not all kept.
    const appDir = path.join(rt.home, 'machines', NS, APP);
    const logBytes = fs
      .readdirSync(appDir)
      .filter((f) => f.startsWith('app.log'))
      .reduce((sum, f) => sum + fs.statSync(path.join(appDir, f)).size, 0);
    assert.ok(logBytes < 20 * MiB, `${logBytes} bytes of log files`);
    assert.equal(await psql(target, 'select count(*) from t'), String(committed));
  });

  it('filling the volume to ENOSPC inside the guest leaves PostgreSQL serving reads, and get shows the volume full', async () => {
    const fill = await execIn(`dd if=/dev/zero of=${DATA}/fill bs=1M; sync`);
    assert.match(fill.stderr, /No space left on device/);
    assert.equal(await psql(target, 'select count(*) from t'), String(committed), 'reads are served on a full volume');

    const app = await rt.client.getApp(NS, APP);
    const usage = app?.volumes?.find((u) => u.volume === `${NS}/pgdata`);
    assert.ok(usage, 'app get shows the guest view of the volume');
    assert.ok(usage.availableBytes < 2 * MiB, `${usage.availableBytes} bytes free`);
    assert.match(usage.warning ?? '', /volume samples\/pgdata is (9\d|100)% full/);
    const appText = await rt.cli(['app', 'get', '--ns', NS, APP]);
    assert.match(appText.stdout, /samples\/pgdata .*WARNING: volume samples\/pgdata is \d+% full/);
    const volumeText = await rt.cli(['volume', 'get', '--ns', NS, 'pgdata']);
    assert.match(volumeText.stdout, /in the guest: .*WARNING: volume samples\/pgdata is \d+% full/);
    const volume = JSON.parse((await rt.cli(['volume', 'get', '--ns', NS, 'pgdata', '--output', 'json'])).stdout) as VolumeStatus;
    assert.ok(volume.usage && volume.usage.availableBytes < 2 * MiB);
    const deadline = Date.now() + 60_000;
    while (!/warning: volume samples\/pgdata is \d+% full/.test(daemonLog())) {
      assert.ok(Date.now() < deadline, 'the daemon log warns of the full volume');
      await sleep(500);
    }

    const freed = await execIn(`rm ${DATA}/fill; sync`);
    assert.equal(freed.code, 0, freed.stderr);
    await insertRows(1000);
    assert.equal(await psql(target, 'select count(*) from t'), String(committed), 'writes work again once space is freed');
  });

  it('grows the volume under the suspended app: resumed for the grow, suspended again, the guest sees the new size', async () => {
    await rt.waitForApp(NS, APP, { states: ['suspended'], timeoutMs: 120_000 });
    const res = await rt.cli(['deploy', seedVolume('200Mi')]);
    assert.equal(res.code, 0, res.stderr);
    const volume = (await rt.client.getVolume(NS, 'pgdata'))!;
    assert.equal(volume.sizeBytes, 200 * MiB);
    assert.ok(volume.usage && volume.usage.totalBytes > 180 * MiB, `the guest sees ${volume.usage?.totalBytes} bytes`);
    const logs = (await rt.cli(['machine', 'logs', '--ns', NS, APP, '--tail', '20'])).stdout;
    assert.match(logs, /volume samples\/pgdata grown online to \d+ bytes/);
    assert.match(logs, /suspended \(suspended again after growing a volume\)/);
    assert.equal((await rt.client.getApp(NS, APP))!.state, 'suspended');
    assert.equal(await psql(target, 'select count(*) from t'), String(committed));
  });

  it('SIGKILL of lttled in the middle of a snapshot save: cold boot saying why, no committed row lost', async () => {
    let caught = false;
    for (let attempt = 0; attempt < 8 && !caught; attempt++) {
      await serving();
      // A connection resumes the app; after it the idle timer suspends it again.
      await insertRows(100);
      const deadline = Date.now() + 60_000;
      let state = record('apps', APP)?.state;
      while (state !== 'suspending' && Date.now() < deadline) {
        await new Promise((r) => setImmediate(r));
        state = record('apps', APP)?.state ?? state;
      }
      assert.equal(state, 'suspending', 'the app suspends after its timeout');
      await killDaemon();
      // Too late: the snapshot completed (its record says so) and is rightly restored; try again.
      caught = record('apps', APP)?.state === 'suspending';
      await restartDaemon();
    }
    assert.ok(caught, 'lttled was killed while a snapshot was being saved');
    await serving();
    assert.equal(await psql(target, 'select count(*) from t'), String(committed), 'no committed row lost');
    const logs = (await rt.cli(['machine', 'logs', '--ns', NS, APP])).stdout;
    assert.match(logs, /cold boot instead of restoring the snapshot: lttled stopped while the snapshot was being saved/);
    await insertRows(100);
  });

  it('SIGKILL of lttled during an online grow: after restart the volume passes e2fsck -fn and no row is lost', async () => {
    await serving();
    const grow = rt.client.applyVolume({ name: 'pgdata', namespace: NS, size: '300Mi' }).catch((err: Error) => err);
    const deadline = Date.now() + 120_000;
    while (record('volumes', 'pgdata')?.state !== 'resizing') {
      assert.ok(Date.now() < deadline, 'the grow started');
      await new Promise((r) => setImmediate(r));
    }
    await sleep(200);
    await killDaemon();
    await grow;
    await restartDaemon();

    const volume = (await rt.client.getVolume(NS, 'pgdata'))!;
    assert.equal(volume.state, 'ready', `${volume.state}: ${volume.message}`);
    assert.ok(!fs.existsSync(`${volumeFile}.grow`), 'no grown copy left');
    await serving();
    assert.equal(await psql(target, 'select count(*) from t'), String(committed), 'no committed row lost');
    await insertRows(100);
    assert.equal(await psql(target, 'select count(*) from t'), String(committed));

    // Stopped (deleted: the volume stays), the volume is checked as e2fsck sees it.
    await rt.client.deleteApp(NS, APP);
    assert.ok(fsckClean(volumeFile), 'the volume passes e2fsck -fn');
    const after = (await rt.client.getVolume(NS, 'pgdata'))!;
    assert.equal(dumpe2fsBytes(volumeFile), after.sizeBytes, 'the record has the filesystem size');
    assert.ok([200 * MiB, 300 * MiB].includes(after.sizeBytes), `size ${after.sizeBytes}`);
  });
});
