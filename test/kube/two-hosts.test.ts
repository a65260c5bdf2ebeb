// Two hosts on one machine: a real control plane (lttle cluster up) and two
// lttled node agents with separate homes, running real microVMs. kube-scheduler
// places the Apps; a volume is bound to the host of its first consumer; when
// one agent is killed with SIGKILL, an app without a volume starts on the other
// host, the app with a volume waits (and says why) and never runs twice, and
// it comes back with every committed row when its agent restarts.
import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControlPlane } from '../../runtime/src/kube/control-plane';
import type { KubeClient } from '../../runtime/src/kube/kube-client';
import { hostPort, psql } from '../support/psql';
import { TestRuntime } from '../support/runtime';

const NS = 'samples';
const GROUP = `/apis/lttle.dev/v1alpha1/namespaces/${NS}`;

interface AppObject {
  status?: { state?: string; host?: string; endpoint?: string; message?: string; conditions?: { reason: string }[] };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('many hosts: two node agents under kube-scheduler', function () {
  this.timeout(900_000);
  const clusterHome = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-cluster-'));
  const plane = new ControlPlane(path.join(clusterHome, 'cluster'));
  const hosts = new Map<string, { rt: TestRuntime; daemon?: ChildProcess }>();
  let kube: KubeClient;

  const startAgent = (name: string) => {
    const host = hosts.get(name) ?? { rt: new TestRuntime(`lttle-${name}-`) };
    Object.assign(host.rt.env, { LTTLE_KUBECONFIG: plane.kubeconfig, LTTLE_NODE_NAME: name });
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
    startAgent('host-a');
    startAgent('host-b');
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

  it('places apps, fences the volume on a lost host, moves the others and keeps every row', async () => {
    await kube.call('POST', `/api/v1/namespaces/${NS}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'pg-env' },
      stringData: { POSTGRES_PASSWORD: 'password', POSTGRES_USER: 'user', POSTGRES_DB: 'db' },
    });
    await kube.call('POST', `${GROUP}/volumes`, { apiVersion: 'lttle.dev/v1alpha1', kind: 'Volume', metadata: { name: 'pgdata' }, spec: { size: '100Mi' } });
    await kube.call('POST', `${GROUP}/apps`, {
      apiVersion: 'lttle.dev/v1alpha1',
      kind: 'App',
      metadata: { name: 'postgresql' },
      spec: {
        image: 'ghcr.io/lttle-cloud/postgres:17-flash',
        environmentSecret: 'pg-env',
        mode: { flash: { strategy: { manual: {} }, timeout: 3 } },
        volumes: [{ name: 'pgdata', path: '/var/lib/postgresql/data' }],
        expose: { access: { port: 5432, internal: {} } },
      },
    });
    for (const name of ['web-1', 'web-2'])
      await kube.call('POST', `${GROUP}/apps`, {
        apiVersion: 'lttle.dev/v1alpha1',
        kind: 'App',
        metadata: { name },
        spec: { image: 'ghcr.io/lttle-cloud/webapp:1', mode: { regular: {} }, expose: { http: { port: 8080, external: {} } } },
      });

    const pg = await appOn('postgresql', ['ready', 'suspended']);
    const pgHost = pg.status?.host as string;
    const volume = await kube.call<{ status?: { host?: string } }>('GET', `${GROUP}/volumes/pgdata`);
    assert.equal(volume.status?.host, pgHost, 'the volume is bound to the host of its first consumer');
    const target = hostPort(pg.status?.endpoint as string);
    await psql(target, 'CREATE TABLE rows_kept (n int); INSERT INTO rows_kept SELECT generate_series(1, 500);');

    const webHosts = [(await appOn('web-1', ['ready'])).status?.host, (await appOn('web-2', ['ready'])).status?.host];
    assert.notEqual(webHosts[0], webHosts[1], 'apps without volumes are spread over the hosts');

    // Lose the database's host.
    const lost = hosts.get(pgHost);
    lost?.daemon?.kill('SIGKILL');
    const other = pgHost === 'host-a' ? 'host-b' : 'host-a';
    const movedWeb = webHosts[0] === pgHost ? 'web-1' : 'web-2';
    const moved = await appOn(movedWeb, ['ready'], other);
    assert.equal(moved.status?.host, other, 'the app without a volume runs on the other host');
    const waiting = await appOn('postgresql', ['waiting']);
    assert.match(waiting.status?.message ?? '', new RegExp(`waiting for host ${pgHost}`));
    const otherHome = hosts.get(other)?.rt;
    assert.equal((await otherHome?.client.getApp(NS, 'postgresql')) ?? undefined, undefined, 'the other host never runs the app of the fenced volume');

    // The host comes back: the database resumes there with every row.
    startAgent(pgHost);
    const back = await appOn('postgresql', ['ready', 'suspended'], pgHost);
    assert.equal(await psql(hostPort(back.status?.endpoint as string), 'SELECT count(*) FROM rows_kept'), '500');
  });
});
