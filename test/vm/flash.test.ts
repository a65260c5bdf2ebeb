// Issue 4: flash mode with the seed verbatim — snapshot on PostgreSQL's manual
// trigger, wake on connect, suspend 3 s after the last client, locks, clock,
// and a daemon killed with SIGKILL while the machine is suspended.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { AppSpec, AppStatus, MachineState } from '../../schema/src/types';
import { hostPort, psql, type PsqlTarget } from '../support/psql';
import { machinePids, TestRuntime, waitForExit } from '../support/runtime';
import { SEED_FILE } from '../support/seed';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('flash mode: the seed verbatim', function () {
  this.timeout(900_000);
  const rt = new TestRuntime('lttle-flash-');
  let daemon: ChildProcess;
  let target: PsqlTarget;

  const status = async (): Promise<AppStatus> => (await rt.client.getApp('samples', 'postgresql'))!;
  const waitFor = (state: MachineState, timeoutMs = 60_000) => rt.waitForApp('samples', 'postgresql', { states: [state], timeoutMs, intervalMs: 50 });

  before(async () => {
    // A daemon of the test's own, so that it can be killed with SIGKILL.
    daemon = rt.startDaemon();
    await rt.waitForDaemon();
  });

  after(async () => {
    await rt.client.deleteApp('samples', 'postgresql').catch(() => undefined);
    await rt.client.deleteVolume('samples', 'pgdata').catch(() => undefined);
    await rt.dispose();
  });

  it("deploys, logs the module's lines and suspends with no client", async () => {
    const res = await rt.cli(['deploy', SEED_FILE]);
    assert.equal(res.stdout, 'Successfully deployed volume: samples/pgdata\nSuccessfully deployed app: samples/postgresql\n', res.stderr);
    const suspended = await waitFor('suspended', 120_000);
    assert.equal(suspended.flash?.resumeCount, 0);
    assert.ok(suspended.flash?.lastSuspendAt);
    const logs = (await rt.cli(['machine', 'logs', '--ns', 'samples', 'postgres'])).stdout;
    assert.match(logs, /LOG: {2}lttle_pg: init$/m);
    assert.match(logs, /LOG: {2}lttle_pg: flash ready worker$/m);
    assert.match(logs, /^lttle: flash trigger fired \(manual\)/m);
    assert.equal(logs.match(/flash trigger fired/g)?.length, 1, "the trigger fires once, not during initdb's temporary server");
    const get = (await rt.cli(['app', 'get', '--ns', 'samples', 'postgresql'])).stdout;
    assert.match(get, /^\s+mode: flash$/m);
    assert.match(get, /^\s+snapshot strategy: manual$/m);
    assert.match(get, /^\s+suspend timeout: 3s$/m);
    assert.match(get, /^\s+state: suspended$/m);
    target = hostPort(suspended.services[0].hostAddress);
  });

  it('wakes on a psql connection and suspends again 3 s after the client leaves', async () => {
    assert.match(await psql(target, 'select current_time'), /^\d\d:\d\d:\d\d\.\d+\+00$/);
    const left = Date.now();
    const after = await status();
    assert.equal(after.flash?.resumeCount, 1);
    assert.ok((after.flash?.lastResumeLatencyMs ?? Infinity) < 5000);
    assert.equal(after.state, 'ready');
    await waitFor('suspended', 20_000);
    const idle = (Date.now() - left) / 1000;
    assert.ok(idle >= 2.9 && idle <= 4.5, `suspended ${idle.toFixed(2)} s after the client left (timeout 3 s)`);
    const logs = (await rt.cli(['machine', 'logs', '--ns', 'samples', 'postgresql'])).stdout;
    assert.match(logs, /^lttle: resumed \(connection\) in [\d.]+ ms$/m, 'the logs show the transitions');
    assert.match(logs, /^lttle: suspended \(idle\) in \d+ ms$/m);
  });

  it('keeps every committed row over 30 suspend/resume cycles', async () => {
    await psql(target, 'create table cycles (n int primary key, at timestamptz default now())');
    const before = (await status()).flash!.resumeCount;
    for (let n = 0; n < 30; n++) {
      await psql(target, `insert into cycles (n) values (${n})`);
      await rt.client.suspendApp('samples', 'postgresql');
      assert.equal((await status()).state, 'suspended', `cycle ${n} suspended`);
    }
    assert.equal(await psql(target, 'select count(*), sum(n) from cycles'), `30|${(29 * 30) / 2}`);
    assert.ok((await status()).flash!.resumeCount >= before + 30);
  });

  it('sets the guest clock after a long suspension', async () => {
    await waitFor('suspended', 20_000);
    await sleep(10_500);
    const guest = Number(await psql(target, 'select extract(epoch from now())'));
    const host = Date.now() / 1000;
    assert.ok(Math.abs(host - guest) < 1, `guest clock ${guest} vs host ${host}`);
  });

  it('never suspends under a running query (pg_sleep(6) on a 3 s timeout, traffic-aware)', async () => {
    const machinesBefore = machinePids(rt.home);
    assert.equal(machinesBefore.length, 1);
    const seed = (await status()).spec;
    const spec: AppSpec = { ...seed, expose: { access: { ...seed.expose.access, 'connection-tracking': { 'traffic-aware': { 'inactivity-timeout': 2 } } } } };
    const applied = await rt.client.applyApp(spec);
    assert.equal(applied.plan.redeploy, false, 'connection tracking changes live');
    assert.deepEqual(machinePids(rt.home), machinesBefore, 'no new machine');

    const states = new Set<MachineState>();
    let done = false;
    const query = psql(target, 'select pg_sleep(6)').finally(() => (done = true));
    while (!done) {
      states.add((await status()).state);
      await sleep(200);
    }
    await query;
    assert.ok(!states.has('suspended') && !states.has('suspending'), `states seen during the query: ${[...states].join(', ')}`);
  });

  it('suspends with an idle open connection under traffic-aware tracking, and wakes on its next query', async () => {
    const client = spawn('psql', ['-h', target.host, '-p', String(target.port), '-U', 'user', '-d', 'db', '-At'], {
      env: { ...process.env, PGPASSWORD: 'password' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    client.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      client.stdin.write('select 41;\n');
      while (!out.includes('41')) await sleep(50);
      await waitFor('suspended', 30_000);
      assert.equal(client.exitCode, null, 'the connection is still open');
      client.stdin.write('select 42;\n');
      const deadline = Date.now() + 30_000;
      while (!out.includes('42') && Date.now() < deadline) await sleep(50);
      assert.match(out, /^42$/m, 'the idle connection still works after the resume');
    } finally {
      client.stdin.end();
      await new Promise((r) => client.once('exit', r));
    }
  });

  it('serves the next connection from the persisted snapshot after lttled is killed with SIGKILL', async () => {
    await waitFor('suspended', 30_000);
    const linesBefore = (await rt.cli(['machine', 'logs', '--ns', 'samples', 'postgresql'])).stdout.split('\n').length;
    daemon.kill('SIGKILL');
    await waitForExit(daemon.pid!);
    daemon = rt.startDaemon();
    await rt.waitForDaemon();
    assert.equal((await status()).state, 'suspended');
    assert.equal(await psql(target, 'select count(*) from cycles'), '30');
    const logs = (await rt.cli(['machine', 'logs', '--ns', 'samples', 'postgresql'])).stdout
      .split('\n')
      .slice(linesBefore - 1)
      .join('\n');
    assert.match(logs, /restored the machine from its persisted snapshot/);
    assert.doesNotMatch(logs, /database system is ready to accept connections|lttle_pg: init|booting/, 'no cold boot');
  });
});
