// Two hosts on one machine: a real control plane (lttle cluster up) and two
// lttled node agents with separate homes, running real microVMs. kube-scheduler
// places the Apps; a volume is bound to the host of its first consumer; when
// one agent is killed with SIGKILL, an app without a volume starts on the other
// host, the app with a volume waits (and says why) and never runs twice, and
// it comes back with every committed row when its agent restarts. A web app on
// one host reaches the database on the other by its internal service name. The
// database is then moved, suspended, to the other host with its volume and
// memory snapshot (lttle app move), and wakes there from that snapshot.
import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControlPlane } from '../../runtime/src/kube/control-plane';
import type { KubeClient } from '../../runtime/src/kube/kube-client';
import { parseAllDocuments } from 'yaml';
import { packageRoot } from '../../schema/src/paths';
import { hostPort, psql } from '../support/psql';
import { TestRuntime } from '../support/runtime';
import { freePort } from '../../runtime/src/proxy/service-proxy';
import { until } from '../support/until';

const NS = 'samples';
const GROUP = `/apis/lttle.dev/v1alpha1/namespaces/${NS}`;

interface AppObject {
  status?: { state?: string; host?: string; endpoint?: string; message?: string; conditions?: { reason: string }[] };
}

describe('many hosts: two node agents under kube-scheduler', function () {
  this.timeout(900_000);
  const clusterHome = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-cluster-'));
  const plane = new ControlPlane(path.join(clusterHome, 'cluster'));
  const hosts = new Map<string, { rt: TestRuntime; daemon?: ChildProcess }>();
  let kube: KubeClient;

  const agentToken = 'two-hosts-agent-token-0123456789';
  const startAgent = async (name: string) => {
    const host = hosts.get(name) ?? { rt: new TestRuntime(`lttle-${name}-`) };
    // The agent's API (moves between hosts, the CLI's logs through --kubeconfig).
    const api = host.rt.env.LTTLE_LISTEN ?? `127.0.0.1:${await freePort()}`;
    Object.assign(host.rt.env, { LTTLE_KUBECONFIG: plane.kubeconfig, LTTLE_NODE_NAME: name, LTTLE_NODE_CPUS: '3', LTTLE_LISTEN: api, LTTLE_TOKEN: agentToken });
    host.daemon = host.rt.startDaemon();
    hosts.set(name, host);
  };
  const app = (name: string) => kube.call<AppObject>('GET', `${GROUP}/apps/${name}`);
  const appOn = (name: string, states: string[], host?: string) =>
    until(
      `${name} ${states.join('/')}${host ? ` on ${host}` : ''}`,
      async () => {
        const a = await app(name);
        return a.status?.state && states.includes(a.status.state) && (!host || a.status.host === host) ? a : undefined;
      },
      300_000,
    );

  before(async () => {
    await plane.up();
    kube = await plane.client();
    await startAgent('host-a');
    await startAgent('host-b');
    await until(
      'both nodes Ready',
      async () => {
        const nodes = await kube.call<{ items: { status?: { conditions?: { type: string; status: string }[] } }[] }>('GET', '/api/v1/nodes');
        return nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === 2 ? true : undefined;
      },
      60_000,
    );
    await kube.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });

  after(async () => {
    for (const { rt, daemon } of hosts.values()) {
      daemon?.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 2000));
      await rt.dispose();
    }
    await plane.down();
    fs.rmSync(clusterHome, { recursive: true, force: true });
  });

  const createApp = (name: string, cpu: number, environmentSecret?: string) =>
    kube.call('POST', `${GROUP}/apps`, {
      apiVersion: 'lttle.dev/v1alpha1',
      kind: 'App',
      metadata: { name },
      spec: {
        image: 'ghcr.io/lttle-cloud/webapp:1',
        resources: { cpu },
        mode: { regular: {} },
        expose: { http: { port: 8080, external: {} } },
        ...(environmentSecret ? { environmentSecret } : {}),
      },
    });

  it('places apps by capacity, fences the volume of a lost host, moves the others and keeps every row', async () => {
    await kube.call('POST', `/api/v1/namespaces/${NS}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'pg-env' },
      stringData: { POSTGRES_PASSWORD: 'password', POSTGRES_USER: 'user', POSTGRES_DB: 'db' },
    });
    // The example a user applies with kubectl (its Namespace exists already).
    const example = parseAllDocuments(fs.readFileSync(path.join(packageRoot(), 'examples', 'kubernetes', 'postgresql.yaml'), 'utf8')).map(
      (d) => d.toJSON() as { kind: string },
    );
    for (const object of example.filter((o) => o.kind !== 'Namespace')) await kube.call('POST', `${GROUP}/${object.kind.toLowerCase()}s`, object);

    const pg = await appOn('postgresql', ['ready', 'suspended', 'deep-suspended']);
    const pgHost = pg.status?.host as string;
    const other = pgHost === 'host-a' ? 'host-b' : 'host-a';
    const volume = await kube.call<{ status?: { host?: string } }>('GET', `${GROUP}/volumes/pgdata`);
    assert.equal(volume.status?.host, pgHost, 'the volume is bound to the host of its first consumer');
    await psql(hostPort(pg.status?.endpoint as string), 'CREATE TABLE rows_kept (n int); INSERT INTO rows_kept SELECT generate_series(1, 500);');

    // Each host offers 3 CPUs and the database takes 1: a 2-CPU app goes where there is room
    // for it, then a 1-CPU app beside the database.
    // The web app reaches the database on the other host by its internal name (and wakes it).
    await kube.call('POST', `/api/v1/namespaces/${NS}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'web-env' },
      stringData: { DATABASE_ADDRESS: 'tcp://postgresql-access.samples.svc.lttle.local:5432', PGUSER: 'user', PGPASSWORD: 'password', PGDATABASE: 'db' },
    });
    await createApp('web-big', 2, 'web-env');
    const web = await appOn('web-big', ['ready']);
    assert.equal(web.status?.host, other);
    const visit = await fetch(`http://${web.status?.endpoint as string}/`, { signal: AbortSignal.timeout(120_000) });
    assert.equal(visit.status, 200, await visit.clone().text());
    assert.deepEqual(await visit.json(), { visits: 1 });
    await createApp('web-small', 1);
    assert.equal((await appOn('web-small', ['ready'])).status?.host, pgHost);

    // Lose the database's host.
    hosts.get(pgHost)?.daemon?.kill('SIGKILL');
    const moved = await appOn('web-small', ['ready'], other);
    assert.equal(moved.status?.host, other, 'the app without a volume runs on the other host');
    const waiting = await appOn('postgresql', ['waiting']);
    assert.match(waiting.status?.message ?? '', new RegExp(`waiting for host ${pgHost}`));
    assert.equal(await hosts.get(other)?.rt.client.getApp(NS, 'postgresql'), undefined, 'the other host never runs the app of the fenced volume');

    // The host comes back: the database resumes there with every row, and the moved app stays moved.
    await startAgent(pgHost);
    const back = await appOn('postgresql', ['ready', 'suspended', 'deep-suspended'], pgHost);
    assert.equal(await psql(hostPort(back.status?.endpoint as string), 'SELECT count(*) FROM rows_kept'), '500');
    await until(
      'web-small gone from the returning host',
      async () => ((await hosts.get(pgHost)?.rt.client.getApp(NS, 'web-small')) ? undefined : true),
      60_000,
    );

    // Move the database, with its volume and memory snapshot, to the other host: refused while
    // that host has no CPU left for it (the web apps take its 3), nothing sent; then done.
    const cli = hosts.get(pgHost)?.rt as TestRuntime;
    const full = await cli.cli(['app', 'move', '--kubeconfig', plane.kubeconfig, '--ns', NS, 'postgresql', '--to', other]);
    assert.equal(full.code, 1, full.stdout);
    assert.match(full.stderr, new RegExp(`move to ${other} refused: host ${other} has too little cpu left for it \\(0m free, 250m requested\\)`));
    assert.equal((await app('postgresql')).status?.host, pgHost);
    await kube.call('DELETE', `${GROUP}/apps/web-small`);
    await until('web-small gone', async () => ((await hosts.get(other)?.rt.client.getApp(NS, 'web-small')) ? undefined : true), 60_000);
    const move = await cli.cli(['app', 'move', '--kubeconfig', plane.kubeconfig, '--ns', NS, 'postgresql', '--to', other, '--output', 'json']);
    assert.equal(move.code, 0, move.stderr);
    assert.equal((JSON.parse(move.stdout) as { host: string }).host, other);
    const there = await appOn('postgresql', ['suspended', 'deep-suspended', 'ready'], other);
    assert.equal(await psql(hostPort(there.status?.endpoint as string), 'SELECT count(*) FROM rows_kept'), '500');
    assert.equal(
      (await kube.call<{ status?: { host?: string } }>('GET', `${GROUP}/volumes/pgdata`)).status?.host,
      other,
      'the volume is bound to its new host',
    );
    assert.equal(await cli.client.getApp(NS, 'postgresql'), undefined, 'nothing of the app stays on the first host');
    assert.equal(await cli.client.getVolume(NS, 'pgdata'), undefined, 'nor of its volume');
    // Its log, read through the agent of its new host: it woke there from the snapshot it took here.
    const logs = await cli.cli(['machine', 'logs', '--kubeconfig', plane.kubeconfig, '--ns', NS, 'postgresql']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /arrived from another host/);
    assert.match(logs.stdout, /resumed \(connection, from deep suspend\)/);
    // A command in its machine on its new host, through that host's agent.
    const exec = await cli.cli([
      'machine',
      'exec',
      '--kubeconfig',
      plane.kubeconfig,
      '--ns',
      NS,
      'postgresql',
      '-e',
      'PGPASSWORD=password',
      '--',
      'psql',
      '-h',
      '127.0.0.1',
      '-U',
      'user',
      '-d',
      'db',
      '-tAc',
      'SELECT count(*) FROM rows_kept',
    ]);
    assert.equal(exec.code, 0, exec.stderr);
    assert.equal(exec.stdout.trim(), '500');
    // A move to a host that is not there is refused at once, naming it.
    const wrong = await cli.cli(['app', 'move', '--kubeconfig', plane.kubeconfig, '--ns', NS, 'postgresql', '--to', 'host-z']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--to: host host-z is not a node of this cluster/);
    // Deleted in the cluster, the app and then its volume are deleted on the host that has them.
    await kube.call('DELETE', `${GROUP}/apps/postgresql`);
    await kube.call('DELETE', `${GROUP}/volumes/pgdata`);
    const newHost = hosts.get(other)?.rt as TestRuntime;
    await until('the volume deleted on its host', async () => ((await newHost.client.getVolume(NS, 'pgdata')) ? undefined : true), 60_000);
    assert.equal(await newHost.client.getApp(NS, 'postgresql'), undefined);
  });

  it('finishes a move cut short by SIGKILL of the source agent mid-transfer, with every row', async () => {
    await kube.call('POST', `${GROUP}/volumes`, { apiVersion: 'lttle.dev/v1alpha1', kind: 'Volume', metadata: { name: 'data2' }, spec: { size: '100Mi' } });
    await kube.call('POST', `${GROUP}/apps`, {
      apiVersion: 'lttle.dev/v1alpha1',
      kind: 'App',
      metadata: { name: 'pg2' },
      spec: {
        image: 'ghcr.io/lttle-cloud/postgres:17-flash',
        environmentSecret: 'pg-env',
        mode: { flash: { strategy: { manual: {} }, timeout: 3 } },
        volumes: [{ name: 'data2', path: '/var/lib/postgresql/data' }],
        expose: { access: { port: 5432, internal: {} } },
      },
    });
    const pg = await appOn('pg2', ['ready', 'suspended', 'deep-suspended']);
    const source = pg.status?.host as string;
    const target = source === 'host-a' ? 'host-b' : 'host-a';
    await psql(hostPort(pg.status?.endpoint as string), 'CREATE TABLE kept (n int); INSERT INTO kept SELECT generate_series(1, 300);');
    const sourceHost = hosts.get(source) as { rt: TestRuntime; daemon?: ChildProcess };
    const partial = path.join((hosts.get(target) as { rt: TestRuntime }).rt.home, 'arrivals', NS, 'pg2.partial');
    const move = sourceHost.rt.cli(['app', 'move', '--kubeconfig', plane.kubeconfig, '--ns', NS, 'pg2', '--to', target, '--timeout', '600']);
    // The package is on its way: the source agent dies before it could commit anything.
    await until('the package arriving', async () => (fs.existsSync(partial) ? true : undefined), 120_000);
    sourceHost.daemon?.kill('SIGKILL');
    assert.equal((await kube.call<{ status?: { host?: string } }>('GET', `${GROUP}/volumes/data2`)).status?.host, source, 'nothing was committed');
    // Back, the source agent finds its app whole and does the move the App still asks for.
    await startAgent(source);
    const moved = await move;
    assert.equal(moved.code, 0, moved.stderr);
    const there = await appOn('pg2', ['ready', 'suspended', 'deep-suspended'], target);
    assert.equal(await psql(hostPort(there.status?.endpoint as string), 'SELECT count(*) FROM kept'), '300');
    assert.equal(await sourceHost.rt.client.getVolume(NS, 'data2'), undefined, 'the source keeps no copy');
    assert.equal(fs.existsSync(partial), false, 'no partial package is left on the target');
  });
});
