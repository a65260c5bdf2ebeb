// Many hosts with real microVMs: a real control plane and two node agents with
// their own homes on this machine. How long from `kubectl apply` of the seed's
// database to ready and to suspended, and what a wake costs when the client is
// a web app on the database's own host against one on the other host (its
// connection relayed between the agents by the internal service name).
// Not a test: it asserts nothing, it reports.
import { until as untilEvery } from '../support/until';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControlPlane } from '../../runtime/src/kube/control-plane';
import type { KubeClient } from '../../runtime/src/kube/kube-client';
import { freePort } from '../../runtime/src/proxy/service-proxy';
import { packageRoot } from '../../schema/src/paths';
import { TestRuntime } from '../support/runtime';
import { percentile, report, type BenchRow } from './report';

const NS = 'bench';
const GROUP = `/apis/lttle.dev/v1alpha1/namespaces/${NS}`;
const WAKES = Number(process.env.LTTLE_BENCH_WAKES ?? 5);

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number) => untilEvery(what, probe, timeoutMs, 100);

interface AppObject {
  status?: { state?: string; host?: string; endpoint?: string };
}

async function main(): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-kube-hosts-bench-'));
  const plane = new ControlPlane(path.join(home, 'cluster'));
  const hosts: TestRuntime[] = [];
  try {
    await plane.up();
    const kube: KubeClient = await plane.client();
    for (const name of ['host-a', 'host-b']) {
      const rt = new TestRuntime(`lttle-bench-${name}-`);
      Object.assign(rt.env, {
        LTTLE_KUBECONFIG: plane.kubeconfig,
        LTTLE_NODE_NAME: name,
        LTTLE_NODE_CPUS: '2',
        LTTLE_LISTEN: `127.0.0.1:${await freePort()}`,
        LTTLE_TOKEN: 'kube-hosts-bench-token-0123456789',
      });
      rt.startDaemon();
      hosts.push(rt);
    }
    const app = (name: string) => kube.call<AppObject>('GET', `${GROUP}/apps/${name}`);
    const inState = (name: string, states: string[]) =>
      until(
        `${name} ${states.join('/')}`,
        async () => {
          const a = await app(name);
          return a.status?.state && states.includes(a.status.state) ? a : undefined;
        },
        600_000,
      );
    await until('both nodes', async () => ((await kube.call<{ items: unknown[] }>('GET', '/api/v1/nodes')).items.length === 2 ? true : undefined), 60_000);
    await kube.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const secret = (name: string, data: Record<string, string>) =>
      kube.call('POST', `/api/v1/namespaces/${NS}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data });
    await secret('pg-env', { POSTGRES_PASSWORD: 'password', POSTGRES_USER: 'user', POSTGRES_DB: 'db' });
    await secret('web-env', {
      DATABASE_ADDRESS: `tcp://postgresql-access.${NS}.svc.lttle.local:5432`,
      PGUSER: 'user',
      PGPASSWORD: 'password',
      PGDATABASE: 'db',
    });

    // kubectl apply of the example (its namespace changed to this run's), as a user would.
    const example = fs
      .readFileSync(path.join(packageRoot(), 'examples', 'kubernetes', 'postgresql.yaml'), 'utf8')
      .replaceAll('namespace: samples', `namespace: ${NS}`)
      .split('\n---\n')
      .filter((document) => !document.includes('kind: Namespace'))
      .join('\n---\n');
    const applied = Date.now();
    execFileSync(path.join(packageRoot(), 'build', 'kube', 'bin', 'kubectl'), ['--kubeconfig', plane.kubeconfig, 'apply', '-f', '-'], {
      input: example,
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    const ready = await inState('postgresql', ['ready', 'suspended', 'deep-suspended']);
    const readyMs = Date.now() - applied;
    await inState('postgresql', ['suspended', 'deep-suspended']);
    const suspendedMs = Date.now() - applied;
    const dbHost = ready.status?.host as string;

    // Two web apps of one CPU each: with two CPUs per host and the database's quarter, one lands beside it, one on the other host.
    for (const name of ['web-1', 'web-2']) {
      await kube.call('POST', `${GROUP}/apps`, {
        apiVersion: 'lttle.dev/v1alpha1',
        kind: 'App',
        metadata: { name },
        spec: {
          image: 'ghcr.io/lttle-cloud/webapp:1',
          resources: { cpu: 1 },
          mode: { regular: {} },
          expose: { http: { port: 8080, external: {} } },
          environmentSecret: 'web-env',
        },
      });
    }
    const wakes = new Map<string, number[]>([
      ['same', []],
      ['other', []],
    ]);
    const awake = new Map<string, number[]>([
      ['same', []],
      ['other', []],
    ]);
    for (const name of ['web-1', 'web-2']) {
      const web = await inState(name, ['ready']);
      const where = web.status?.host === dbHost ? 'same' : 'other';
      const visit = async () => {
        const started = process.hrtime.bigint();
        const res = await fetch(`http://${web.status?.endpoint as string}/`, { signal: AbortSignal.timeout(120_000) });
        if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status}: ${await res.text()}`);
        return Number(process.hrtime.bigint() - started) / 1e6;
      };
      await visit(); // the web app's own first connection
      for (let i = 0; i < WAKES; i++) {
        await inState('postgresql', ['suspended', 'deep-suspended']);
        wakes.get(where)?.push(await visit());
        awake.get(where)?.push(await visit());
      }
    }
    const row = (where: string, label: string): BenchRow => {
      const w = wakes.get(where) ?? [];
      const a = awake.get(where) ?? [];
      if (!w.length) return { name: `wake through a web app on ${label}`, text: 'n/a (kube-scheduler put no web app there in this run)', values: {} };
      const p50w = percentile(w, 50);
      const p50a = percentile(a, 50);
      return {
        name: `wake through a web app on ${label} (${w.length} wakes)`,
        text: `p50 ${p50w.toFixed(0)} ms; the same request with the database awake p50 ${p50a.toFixed(0)} ms`,
        values: { wakeP50Ms: p50w, awakeP50Ms: p50a },
      };
    };
    const same = percentile(wakes.get('same') ?? [NaN], 50);
    const other = percentile(wakes.get('other') ?? [NaN], 50);
    report('kube-hosts', 'Many hosts with real microVMs: two node agents on this machine', [
      {
        name: 'kubectl apply of the seed database to ready, flash snapshot taken and suspended (empty volume: initdb)',
        text: `${(readyMs / 1000).toFixed(1)} s (suspended at ${(suspendedMs / 1000).toFixed(1)} s)`,
        values: { readyMs, suspendedMs },
      },
      row('same', "the database's host"),
      row('other', 'the other host'),
      {
        name: 'other host / same host (wake p50)',
        text: Number.isFinite(same) && Number.isFinite(other) ? `${(other / same).toFixed(2)}x (+${(other - same).toFixed(0)} ms)` : 'n/a',
        values: { ratio: other / same },
      },
    ]);
  } finally {
    for (const rt of hosts) await rt.dispose();
    await plane.down();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`kube hosts bench: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
