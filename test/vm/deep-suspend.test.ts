// Deep suspend. Seed apps with
// `deep-suspend-after: 1` leave no QEMU process once suspended, answer a query
// on connect with their rows, survive SIGKILL of lttled without a cold boot,
// cold-boot on a machine change; an idle traffic-aware connection keeps the app
// in the ordinary suspend, where its guest RAM is paged out while the connection
// stays open and works; a failed suspend leaves the app running. Before each
// deep suspend the guest hands memory back (free page reporting, caches
// dropped): the snapshot is slimmer and no committed row is lost on the way.
// LTTLE_TEST_APPS (default 2: enough to show that apps deep-suspend side by side)
// sets how many apps are deep-suspended at once; `make bench` deep-suspends 10.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AppSpec, AppStatus } from '../../schema/src/types';
import { hostPort, psql, type PsqlTarget } from '../support/psql';
import { residentBytes } from '../../runtime/src/vm/page-out';
import { machinePids, TestRuntime, volumeYaml, waitForExit } from '../support/runtime';
import { deepSuspendingSeedApp } from '../support/seed';
import { deployInitialisedSeedVolume } from '../support/seed-volume';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const APPS = Number(process.env.LTTLE_TEST_APPS ?? 2);
const NS = 'deep';
const names = Array.from({ length: APPS }, (_, i) => `pg${i}`);
const MiB = 2 ** 20;
/** A seed app's memory file held 212 MiB before slim snapshots (about 100 MiB after); what the guest hands back must show. */
const SLIM_BYTES = 128 * MiB;

describe('deep suspend', function () {
  // Ten TCG boots with initdb on a 2-core host take minutes; more under load.
  this.timeout(3_600_000);
  const rt = new TestRuntime('lttle-deep-');
  // After the deep suspend (1 s) of apps with no connection: only an app kept paused is paged out.
  rt.env.LTTLE_PAGE_OUT_AFTER_S = '2';
  let daemon: ChildProcess;
  const targets: Record<string, PsqlTarget> = {};

  const status = async (name: string): Promise<AppStatus> => (await rt.client.getApp(NS, name))!;
  const logsOf = async (name: string) => (await rt.cli(['machine', 'logs', '--ns', NS, name])).stdout;
  const qemuOf = (name: string): number | undefined => {
    const pidFile = path.join(rt.home, 'machines', NS, name, 'qemu.pid');
    return fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : undefined;
  };
  const alive = (pid: number | undefined) => pid !== undefined && fs.existsSync(`/proc/${pid}`);
  async function waitDeep(name: string, timeoutMs = 60_000): Promise<AppStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await status(name);
      if (s.state === 'suspended' && s.flash?.deep) return s;
      if (s.state === 'error') throw new Error(`${name} is in error: ${s.message ?? ''}`);
      if (Date.now() > deadline) throw new Error(`${name} not deep-suspended within ${timeoutMs} ms (state ${s.state}, deep ${String(s.flash?.deep)})`);
      await sleep(100);
    }
  }

  before(async () => {
    daemon = rt.startDaemon();
    await rt.waitForDaemon();
  });

  after(async () => {
    for (const name of names) await rt.client.deleteApp(NS, name).catch(() => undefined);
    for (const name of names) await rt.client.deleteVolume(NS, `data-${name}`).catch(() => undefined);
    await rt.dispose();
  });

  it(`deep-suspends ${APPS} seed apps at once: no qemu process left, snapshot durable and shown in app get`, async () => {
    const file = path.join(rt.home, 'deep.lttle.yaml');
    fs.writeFileSync(
      file,
      names.map((n) => `${volumeYaml(`data-${n}`, '100Mi', NS)}---\n${deepSuspendingSeedApp(n, NS, `data-${n}`, { MARK: 'one' })}`).join('---\n'),
    );
    for (const name of names) await deployInitialisedSeedVolume(rt, NS, `data-${name}`);
    const res = await rt.cli(['deploy', file]);
    assert.equal(res.code, 0, res.stderr);
    for (const name of names) {
      const s = await waitDeep(name, 900_000);
      targets[name] = hostPort(s.services[0].hostAddress);
      assert.ok(!alive(qemuOf(name)), `${name}: no qemu process while deep-suspended`);
      assert.ok((s.flash?.snapshotBytes ?? 0) > 0, 'snapshot size on disk is reported');
      assert.ok(s.flash!.snapshotBytes! < SLIM_BYTES, `${name}: ${(s.flash!.snapshotBytes! / MiB).toFixed(1)} MiB on disk, slimmed below ${SLIM_BYTES / MiB}`);
      assert.match(await logsOf(name), /memory handed back: [\d.]+ → [\d.]+ MiB allocated in the memory file/);
      assert.ok(fs.existsSync(path.join(rt.home, 'machines', NS, name, 'snapshot.meta')), 'a snapshot header is on disk');
    }
    assert.deepEqual(machinePids(rt.home), [], 'no qemu process at all');
    const get = (await rt.cli(['app', 'get', '--ns', NS, names[0]])).stdout;
    assert.match(get, /^\s+state: suspended \(deep\)$/m);
    assert.match(get, /^\s+deep suspend after: 1s$/m);
    assert.match(get, /^\s+suspended since: \d{4}-/m);
    assert.match(get, /^\s+snapshot on disk: [\d.]+ MiB$/m);
    assert.match(get, /^\s+kept awake by: nothing$/m);
  });

  it('each app answers a query on connect from deep suspend, rows intact, and goes back to deep suspend', async () => {
    await Promise.all(names.map((n, i) => psql(targets[n], `create table t (n int); insert into t select generate_series(1, ${100 + i})`)));
    for (const name of names) await waitDeep(name);
    const counts = await Promise.all(names.map((n) => psql(targets[n], 'select count(*) from t')));
    assert.deepEqual(
      counts,
      names.map((_, i) => String(100 + i)),
    );
    for (const name of names) {
      const s = await status(name);
      assert.ok((s.flash?.resumes?.deep?.count ?? 0) >= 2, `${name} resumed from deep suspend twice`);
      assert.doesNotMatch(await logsOf(name), /booting.*\n[\s\S]*booting/, `${name} booted once`);
      assert.match(await logsOf(name), /resumed \(connection, from deep suspend\)/);
    }
    const get = (await rt.cli(['app', 'get', '--ns', NS, names[0]])).stdout;
    assert.match(get, /^\s+resumes by kind: deep: \d+ \(last [\d.]+ ms at /m);
  });

  it('keeps an app with an idle traffic-aware connection out of deep suspend, and its next query works', async () => {
    const name = names[0];
    const seed = (await status(name)).spec;
    const spec: AppSpec = { ...seed, expose: { access: { ...seed.expose.access, 'connection-tracking': { 'traffic-aware': { 'inactivity-timeout': 1 } } } } };
    assert.equal((await rt.client.applyApp(spec)).plan.redeploy, false);
    const t = targets[name];
    const client = spawn('psql', ['-h', t.host, '-p', String(t.port), '-U', 'user', '-d', 'db', '-At'], {
      env: { ...process.env, PGPASSWORD: 'password' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    client.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      client.stdin.write('select 41;\n');
      while (!out.includes('41')) await sleep(50);
      await rt.waitForApp(NS, name, { states: ['suspended'], timeoutMs: 30_000, intervalMs: 50 });
      await sleep(4000);
      const s = await status(name);
      assert.equal(s.state, 'suspended');
      assert.ok(!s.flash?.deep, 'an open connection keeps the app in the ordinary suspend');
      assert.ok(alive(qemuOf(name)), 'its qemu process stays');
      assert.equal(s.flash?.awake?.connections.length, 1);
      const get = (await rt.cli(['app', 'get', '--ns', NS, name])).stdout;
      assert.match(get, /connection from 127\.0\.0\.1:\d+ to access \(idle \d+s, not counted\)/);
      // Paged out meanwhile: its guest RAM is back in the memory file, its QEMU and the connection stay.
      assert.match(get, /^\s+state: suspended \(paged out\)$/m);
      assert.match(get, /^\s+paged out since: \d{4}-.* \(guest RAM resident [\d.]+ MiB → [\d.]+ MiB; QEMU kept\)$/m);
      const paged = s.flash?.pagedOut ?? (await status(name)).flash?.pagedOut;
      assert.ok(paged && paged.residentAfterBytes < paged.residentBeforeBytes / 4, `guest RAM resident: ${JSON.stringify(paged)}`);
      const memoryFile = path.join(rt.home, 'machines', NS, name, 'memory');
      assert.ok(residentBytes(qemuOf(name)!, memoryFile) < paged.residentBeforeBytes / 4, 'the host holds little of its guest RAM');
      client.stdin.write('select 42;\n');
      const deadline = Date.now() + 30_000;
      while (!out.includes('42') && Date.now() < deadline) await sleep(50);
      assert.match(out, /^42$/m, 'the idle connection still works');
      assert.match(await logsOf(name), /resumed \(connection, paged out\)/);
    } finally {
      client.stdin.end();
      await new Promise((r) => client.once('exit', r));
    }
    await waitDeep(name);
  });

  it('a failed suspend leaves the app running, shows the error and is retried', async () => {
    const name = names[APPS > 1 ? 1 : 0];
    const blocker = path.join(rt.home, 'machines', NS, name, 'snapshot.state.tmp');
    // A directory where the device state's temporary file goes: the save fails.
    const probe = psql(targets[name], 'select pg_sleep(1)');
    await rt.waitForApp(NS, name, { states: ['ready'], timeoutMs: 60_000, intervalMs: 20 });
    fs.mkdirSync(blocker);
    await probe;
    const deadline = Date.now() + 30_000;
    let s = await status(name);
    while (!s.flash?.lastSuspendError && Date.now() < deadline) {
      await sleep(200);
      s = await status(name);
    }
    assert.ok(s.flash?.lastSuspendError, 'the error is shown');
    assert.equal(s.state, 'ready', 'the app keeps running');
    assert.match((await rt.cli(['app', 'get', '--ns', NS, name])).stdout, /^\s+suspend error: .*\(retry in \d+s\)$/m);
    assert.equal(await psql(targets[name], 'select count(*) from t'), String(100 + (APPS > 1 ? 1 : 0)), 'and serves');
    fs.rmdirSync(blocker);
    const deep = await waitDeep(name, 120_000);
    assert.equal(deep.flash?.lastSuspendError, undefined, 'a successful retry clears the error');
  });

  it('comes back deep-suspended after SIGKILL of lttled and serves from the snapshot with no cold boot, every committed row kept', async () => {
    // Rows committed by the last query before the suspend, then the slimmed deep suspend.
    await Promise.all(names.map((n) => psql(targets[n], 'insert into t select generate_series(1, 1000)')));
    for (const name of names) await waitDeep(name);
    for (const name of names) {
      const lines = (await logsOf(name)).split('\n');
      const last = lines.filter((l) => /memory (not )?handed back/.test(l)).pop() ?? '';
      assert.match(last, /memory handed back/, `${name}: the last deep suspend was slimmed`);
    }
    const before = Object.fromEntries(await Promise.all(names.map(async (n) => [n, (await logsOf(n)).split('\n').length] as const)));
    daemon.kill('SIGKILL');
    await waitForExit(daemon.pid!);
    daemon = rt.startDaemon();
    await rt.waitForDaemon();
    for (const name of names) assert.ok((await status(name)).flash?.deep, `${name} is deep-suspended after the restart`);
    assert.deepEqual(machinePids(rt.home), [], 'the restart boots nothing');
    const counts = await Promise.all(names.map((n) => psql(targets[n], 'select count(*) from t')));
    assert.deepEqual(
      counts,
      names.map((_, i) => String(1100 + i)),
    );
    for (const name of names) {
      const logs = (await logsOf(name))
        .split('\n')
        .slice(before[name] - 1)
        .join('\n');
      assert.match(logs, /restored the machine from its persisted snapshot/);
      assert.doesNotMatch(logs, /booting|database system is ready to accept connections|cold boot/, `${name}: no cold boot`);
    }
  });

  it('cold-boots a deep-suspended app whose environment changed, with the new value and every row', async () => {
    const name = names[APPS - 1];
    await waitDeep(name);
    const spec = (await status(name)).spec;
    const applied = await rt.client.applyApp({ ...spec, environment: { ...spec.environment, MARK: 'two' } });
    assert.equal(applied.plan.redeploy, true);
    const exec = await rt.cli(['machine', 'exec', '--ns', NS, name, 'printenv', 'MARK']);
    assert.equal(exec.stdout.trim(), 'two', exec.stderr);
    assert.equal(await psql(targets[name], 'select count(*) from t'), String(1100 + APPS - 1));
    assert.match(await logsOf(name), /discarding the deep-suspend snapshot: the machine changed/);
  });

  it('sets the guest clock after 30 s of deep suspend', async () => {
    const name = names[0];
    await waitDeep(name);
    await sleep(30_000);
    assert.ok((await status(name)).flash?.deep);
    // The guest reads its clock while the query runs: between the host's readings before and after it.
    const before = Date.now() / 1000;
    const guest = Number(await psql(targets[name], 'select extract(epoch from clock_timestamp())'));
    const after = Date.now() / 1000;
    assert.ok(guest > before - 1 && guest < after + 1, `guest clock ${guest} vs host ${before}..${after}`);
  });
});
