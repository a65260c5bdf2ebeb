// Placement at scale, on a real control plane (lttle cluster up): N nodes
// registered as node agents register theirs (capacity, Lease), N*10 Apps and
// the Pods the agents would make for them, and the time until kube-scheduler
// has bound every one; then how evenly they spread. No VM: the point is the
// scheduler with lttle's Pods, the part a fleet leans on.
// Not a test: it asserts nothing, it reports.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { appPod, APP_LABEL } from '../../runtime/src/kube/app-pod';
import { ControlPlane } from '../../runtime/src/kube/control-plane';
import { HEARTBEAT_MS, NodeRegistration } from '../../runtime/src/kube/node-registration';
import { report } from './report';

const NODES = Number(process.env.LTTLE_BENCH_NODES ?? 10);
const APPS = NODES * 10;
const NS = 'bench';

async function main(): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-kube-bench-'));
  const plane = new ControlPlane(path.join(home, 'cluster'));
  const upStart = Date.now();
  await plane.up();
  const upMs = Date.now() - upStart;
  try {
    const kube = await plane.client();
    const capacity = { cpu: '8', memory: `${32 * 1024 * 1024}Ki`, pods: '1000', 'ephemeral-storage': `${500 * 1024 * 1024}Ki` };
    const nodes = Array.from({ length: NODES }, (_, i) => new NodeRegistration(kube, `fake-${i}`, capacity, '127.0.0.1'));
    await Promise.all(nodes.map((n) => n.register()));
    // Their Leases are kept as their agents would keep them: a lapsed node takes no App.
    const heartbeat = setInterval(() => void Promise.all(nodes.map((n) => n.heartbeat())), HEARTBEAT_MS);
    await kube.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const start = Date.now();
    for (let i = 0; i < APPS; i++) {
      const app = await kube.call<{ metadata: { name: string; namespace: string; uid: string } }>('POST', `/apis/lttle.dev/v1alpha1/namespaces/${NS}/apps`, {
        apiVersion: 'lttle.dev/v1alpha1',
        kind: 'App',
        metadata: { name: `db-${i}` },
        spec: { image: 'ghcr.io/lttle-cloud/postgres:17-flash', mode: { flash: {} } },
      });
      await kube.call(
        'POST',
        `/api/v1/namespaces/${NS}/pods`,
        appPod({ metadata: app.metadata, spec: { image: 'ghcr.io/lttle-cloud/postgres:17-flash', mode: { flash: {} } } }),
      );
    }
    const createdMs = Date.now() - start;
    let perNode = new Map<string, number>();
    for (;;) {
      const pods = await kube.call<{ items: { spec: { nodeName?: string } }[] }>('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=${APP_LABEL}`);
      perNode = new Map();
      for (const p of pods.items) if (p.spec.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
      const bound = [...perNode.values()].reduce((a, b) => a + b, 0);
      if (bound === APPS) break;
      if (Date.now() - start > 300_000) throw new Error(`only ${bound} of ${APPS} pods bound after 300 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const boundMs = Date.now() - start;
    clearInterval(heartbeat);
    const counts = [...perNode.values()];
    report('kube', `Placement by kube-scheduler: ${APPS} Apps on ${NODES} node agents (real control plane, no VM)`, [
      { name: 'lttle cluster up', text: `${(upMs / 1000).toFixed(1)} s to a ready API server with the CRDs`, values: { ms: upMs } },
      {
        name: `create ${APPS} Apps and Pods`,
        text: `${createdMs} ms (${((APPS * 1000) / createdMs).toFixed(0)} apps/s, one client)`,
        values: { ms: createdMs },
      },
      { name: `all ${APPS} bound to a node`, text: `${boundMs} ms after the first (${((APPS * 1000) / boundMs).toFixed(0)} apps/s)`, values: { ms: boundMs } },
      {
        name: 'spread',
        text: `${Math.min(...counts)}–${Math.max(...counts)} apps per node over ${perNode.size} of ${NODES} nodes (ideal ${APPS / NODES})`,
        values: { min: Math.min(...counts), max: Math.max(...counts), nodes: perNode.size },
      },
    ]);
  } finally {
    await plane.down();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`kube bench: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
