// Issue 3: the seed's PostgreSQL in a real microVM (TCG here), regular mode,
// driven through the real CLI and the host's psql.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { AppStatus, VolumeStatus } from '../../schema/src/types';
import { hostPort, psql } from '../support/psql';
import { machinePids, TestRuntime, waitForExit } from '../support/runtime';
import { regularMode, seedVolumeYaml, seedWith } from '../support/seed';

function refused(address: string): Promise<boolean> {
  const { host, port } = hostPort(address);
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('apps in microVMs: the seed in regular mode', function () {
  this.timeout(900_000);
  const rt = new TestRuntime('lttle-app-');
  let status: AppStatus;

  after(() => rt.dispose());

  it('deploys the volume and the app and waits until PostgreSQL is ready', async () => {
    const file = rt.writeFile('postgresql.lttle.yaml', seedWith(regularMode));
    const res = await rt.cli(['deploy', file]);
    assert.equal(res.stdout, 'Successfully deployed volume: samples/pgdata\nSuccessfully deployed app: samples/postgresql\n', res.stderr);
    assert.equal(res.code, 0);
    status = (await rt.client.getApp('samples', 'postgresql'))!;
    assert.equal(status.state, 'ready');
    assert.equal(machinePids(rt.home).length, 1, 'one qemu process runs the app');
  });

  it("shows the seed's fields, the service addresses and the accelerator, with the password masked", async () => {
    const res = await rt.cli(['app', 'get', '--ns', 'samples', 'postgresql']);
    assert.equal(res.code, 0, res.stderr);
    const expected = [
      /^\s+name: postgresql$/m,
      /^\s+namespace: samples$/m,
      /^\s+mode: regular$/m,
      /^\s+image: ghcr\.io\/lttle-cloud\/postgres:17-flash$/m,
      /^\s+cpus: 1$/m,
      /^\s+memory: 256 MiB$/m,
      /^\s+environment: POSTGRES_DB = \*{8}$/m,
      /^\s+POSTGRES_PASSWORD = \*{8}$/m,
      /^\s+POSTGRES_USER = \*{8}$/m,
      /^\s+volumes: samples\/pgdata → \/var\/lib\/postgresql\/data$/m,
      /^\s+services: access: tcp:\/\/postgresql-access\.samples\.svc\.lttle\.local:5432 → :5432 \(on this host: 127\.0\.0\.1:\d+\)$/m,
      /^\s+state: ready$/m,
      /^\s+accelerator: (tcg|kvm)$/m,
    ];
    for (const re of expected) assert.match(res.stdout, re);
    assert.doesNotMatch(res.stdout, /= password/);
    const revealed = await rt.cli(['app', 'get', '--ns', 'samples', 'postgresql', '--show-secrets']);
    assert.match(revealed.stdout, /^\s+POSTGRES_USER = user$/m, '--show-secrets shows the values');
    const json = await rt.cli(['app', 'get', '--ns', 'samples', 'postgresql', '--output', 'json']);
    assert.doesNotMatch(json.stdout, /"password"/, 'JSON output masks secrets too');
  });

  it("logs initdb's output and the module's init line", async () => {
    const res = await rt.cli(['machine', 'logs', '--ns', 'samples', 'postgres']);
    assert.equal(res.code, 0, res.stderr);
    for (const line of [
      'The files belonging to this database system will be owned by user "postgres".',
      'creating subdirectories ... ok',
      'syncing data to disk ... ok',
      'Success. You can now start the database server using:',
      'LOG:  lttle_pg: init',
      'database system is ready to accept connections',
    ])
      assert.ok(res.stdout.includes(line), `logs contain ${JSON.stringify(line)}`);
    assert.doesNotMatch(res.stdout, /enabling "trust" authentication/);
    const tail = await rt.cli(['machine', 'logs', '--ns', 'samples', 'postgresql', '--tail', '2']);
    assert.equal(tail.stdout.trim().split('\n').length, 2);
  });

  it("answers the host's psql with the seed's user and password, and refuses a wrong password", async () => {
    const target = { ...hostPort(status.services[0].hostAddress) };
    assert.match(await psql(target, 'select current_time'), /^\d\d:\d\d:\d\d\.\d+\+00$/);
    await psql(target, "create table notes (id serial primary key, body text); insert into notes (body) values ('one'), ('two')");
    assert.equal(await psql(target, 'select count(*) from notes'), '2');
    await assert.rejects(psql({ ...target, password: 'wrong' }, 'select 1'), /password authentication failed/);
  });

  it('refuses to delete the volume while the app mounts it', async () => {
    const res = await rt.cli(['volume', 'rm', '--ns', 'samples', 'pgdata', '-y']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /volume samples\/pgdata is attached to app samples\/postgresql; delete the app first/);
  });

  it('replaces the machine when the environment changes and keeps the data', async () => {
    const before = machinePids(rt.home);
    const file = rt.writeFile(
      'changed.lttle.yaml',
      seedWith((app) => {
        regularMode(app);
        app.environment.TZ = 'UTC';
      }),
    );
    const res = await rt.cli(['deploy', file]);
    assert.equal(res.code, 0, res.stderr);
    const after = (await rt.client.getApp('samples', 'postgresql'))!;
    assert.equal(after.generation, status.generation + 1);
    const pids = machinePids(rt.home);
    assert.equal(pids.length, 1);
    assert.notDeepEqual(pids, before, 'a new qemu process');
    assert.equal(after.services[0].hostAddress, status.services[0].hostAddress, 'the service address stays');
    assert.equal(await psql(hostPort(after.services[0].hostAddress), "select string_agg(body, ',' order by id) from notes"), 'one,two');
    const logs = await rt.cli(['machine', 'logs', '--ns', 'samples', 'postgresql']);
    assert.equal(logs.stdout.split('Success. You can now start the database server').length, 2, 'initdb ran once: the second boot found the data');

    const unchanged = await rt.cli(['deploy', file, '--output', 'json']);
    assert.deepEqual(
      JSON.parse(unchanged.stdout).map((r: { action: string }) => r.action),
      ['none', 'none'],
    );
    assert.deepEqual(machinePids(rt.home), pids, 'an unchanged redeploy does nothing');
  });

  it('cold-boots a running machine after lttled is killed with SIGKILL, losing no committed row', async () => {
    const address = (await rt.client.getApp('samples', 'postgresql'))!.services[0].hostAddress;
    await psql(hostPort(address), "insert into notes (body) values ('three')");
    const { pid } = await rt.client.health();
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid);
    // The next command starts a new daemon, which kills the orphaned machine and boots it again.
    const status = await rt.waitForApp('samples', 'postgresql', { states: ['ready'], timeoutMs: 300_000 });
    assert.equal(machinePids(rt.home).length, 1);
    assert.equal(status.services[0].hostAddress, address, 'the service keeps its address');
    assert.equal(await psql(hostPort(address), "select string_agg(body, ',' order by id) from notes"), 'one,two,three');
    const logs = (await rt.cli(['machine', 'logs', '--ns', 'samples', 'postgresql'])).stdout;
    assert.match(logs, /database system was interrupted|redo (starts|done)|automatic recovery/, 'PostgreSQL recovered from its WAL');
  });

  it('grows pgdata online under the running app: same machine, no row lost, the guest df shows the new size', async () => {
    const MiB = 2 ** 20;
    const pids = machinePids(rt.home);
    const target = hostPort((await rt.client.getApp('samples', 'postgresql'))!.services[0].hostAddress);
    await psql(target, 'create table before_grow as select generate_series(1, 500) as n');
    const volumeJson = async () => JSON.parse((await rt.cli(['volume', 'get', '--ns', 'samples', 'pgdata', '--output', 'json'])).stdout) as VolumeStatus;
    const before = await volumeJson();
    assert.ok(before.usage, 'volume get shows the guest view of a mounted volume');
    assert.ok(before.usage.totalBytes > 80 * MiB && before.usage.totalBytes <= 100 * MiB, `total ${before.usage.totalBytes}`);
    assert.ok(before.usage.usedBytes > 0 && before.usage.availableBytes > 0);

    // The seed's volume document alone, grown: the app's spec is unchanged.
    const grown = rt.writeFile('grown.lttle.yaml', seedVolumeYaml('200Mi'));
    const res = await rt.cli(['deploy', grown]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(machinePids(rt.home), pids, 'the same qemu process: the app was not restarted');

    const after = await volumeJson();
    assert.equal(after.state, 'ready');
    assert.equal(after.spec.size, 200 * MiB);
    assert.ok(after.sizeBytes > 190 * MiB, `ext4 size ${after.sizeBytes}`);
    assert.ok(
      after.usage && after.usage.totalBytes > before.usage.totalBytes + 90 * MiB,
      `guest size ${before.usage.totalBytes} -> ${after.usage?.totalBytes}`,
    );
    const df = await rt.cli(['machine', 'exec', '--ns', 'samples', 'postgresql', '--', 'df', '-B1', '/var/lib/postgresql/data']);
    assert.equal(df.code, 0, df.stderr);
    const dfSize = Number(df.stdout.trim().split('\n').pop()!.trim().split(/\s+/)[1]);
    assert.equal(dfSize, after.usage.totalBytes, `the guest df says ${dfSize}:\n${df.stdout}`);

    assert.equal(await psql(target, 'select count(*) from before_grow'), '500', 'rows written before the grow are there');
    await psql(target, 'create table after_grow as select generate_series(1, 300) as n');
    assert.equal(await psql(target, 'select count(*) from after_grow'), '300');
    const get = await rt.cli(['app', 'get', '--ns', 'samples', 'postgresql']);
    assert.match(get.stdout, /volume usage: samples\/pgdata \(\/var\/lib\/postgresql\/data\): \d+\.\d MiB \(\d+ bytes\), [\d.]+ MiB used, [\d.]+ MiB free/);
    const logs = await rt.cli(['machine', 'logs', '--ns', 'samples', 'postgresql']);
    assert.match(logs.stdout, /volume samples\/pgdata grown online to \d+ bytes/);
  });

  it('deletes the app without touching the volume, and leaves nothing running', async () => {
    const address = status.services[0].hostAddress;
    const res = await rt.cli(['app', 'delete', '--ns', 'samples', 'postgresql', '-y']);
    assert.equal(res.stdout, "App 'postgresql' has been deleted.\n", res.stderr);
    assert.deepEqual(machinePids(rt.home), [], 'no qemu process left');
    assert.ok(await refused(address), 'no listener left');
    assert.ok(fs.existsSync(`${rt.home}/volumes/samples/pgdata.ext4`));
    const rm = await rt.cli(['volume', 'rm', '--ns', 'samples', 'pgdata', '-y']);
    assert.equal(rm.stdout, "Volume 'pgdata' has been deleted.\n");
  });
});

describe('apps in microVMs: failures end in clear states', function () {
  this.timeout(600_000);
  const rt = new TestRuntime('lttle-fail-');
  after(() => rt.dispose());

  it('an image from an unreachable registry is refused before anything is deployed, naming the image', async () => {
    const file = rt.writeFile('bad-image.yaml', 'app:\n  name: ghost\n  image: ghcr.io/nobody/nothing:1\n');
    const res = await rt.cli(['deploy', file, '--timeout', '60']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /app "ghost"\): image: registry ghcr\.io is not reachable: [^]*Nothing was deployed\./);
    assert.equal(await rt.client.getApp('default', 'ghost'), undefined);
    assert.deepEqual(machinePids(rt.home), []);
  });

  it('an app whose volume is missing waits, naming the volume', async () => {
    const file = rt.writeFile(
      'waiting.yaml',
      'app:\n  name: patient\n  image: ghcr.io/lttle-cloud/postgres:17-flash\n  volumes:\n    - name: later\n      path: /data\n',
    );
    const refused = await rt.cli(['deploy', file, '--no-wait']);
    assert.equal(refused.code, 1, 'a mount of a volume that is nowhere is refused as a typo by default');
    const res = await rt.cli(['deploy', file, '--no-wait', '--allow-missing-volumes']);
    assert.equal(res.code, 0, res.stderr);
    const status = await rt.waitForApp('default', 'patient', { states: ['waiting'], timeoutMs: 120_000 });
    assert.equal(status.message, 'waiting for volume default/later');
    assert.deepEqual(machinePids(rt.home), []);
    await rt.client.deleteApp('default', 'patient');
  });

  it('follows the logs of a running app as new lines come', async () => {
    const file = rt.writeFile(
      'ticker.yaml',
      'app:\n  name: ticker\n  image: ghcr.io/lttle-cloud/postgres:17-flash\n  command: ["sh", "-c", "n=0; while true; do n=$((n+1)); echo tick $n; sleep 1; done"]\n',
    );
    assert.equal((await rt.cli(['deploy', file])).code, 0);
    const controller = new AbortController();
    const seen: string[] = [];
    const following = rt.client.logs('default', 'ticker', { follow: true, tail: 0, signal: controller.signal }, (l) => seen.push(l.line));
    const deadline = Date.now() + 60_000;
    while (seen.filter((l) => l.startsWith('tick')).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    await following;
    const ticks = seen.filter((l) => l.startsWith('tick')).map((l) => Number(l.split(' ')[1]));
    assert.ok(ticks.length >= 2, `followed lines: ${seen.join(' | ')}`);
    assert.equal(ticks[1], ticks[0] + 1, 'new lines arrive in order as they are written');
    await rt.client.deleteApp('default', 'ticker');
  });

  it('an app that exits at once stops with its exit code, and the daemon keeps serving', async () => {
    const file = rt.writeFile(
      'quitter.yaml',
      'app:\n  name: quitter\n  image: ghcr.io/lttle-cloud/postgres:17-flash\n  command: ["sh", "-c", "echo giving up >&2; exit 3"]\n  restart-policy: never\n',
    );
    const res = await rt.cli(['deploy', file, '--no-wait']);
    assert.equal(res.code, 0, res.stderr);
    const status = await rt.waitForApp('default', 'quitter', { states: ['stopped'], timeoutMs: 300_000 });
    assert.equal(status.message, 'app process ended (exit 3)');
    const get = await rt.cli(['app', 'get', 'quitter']);
    assert.match(get.stdout, /state: stopped \(app process ended \(exit 3\)\)/);
    const logs = await rt.cli(['machine', 'logs', 'quitter']);
    assert.match(logs.stdout, /^giving up$/m);
    assert.deepEqual(machinePids(rt.home), []);
    assert.ok((await rt.client.health()).pid > 0);
  });
});
