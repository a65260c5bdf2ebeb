// A Kubernetes control plane on loopback, for trying lttle's many-hosts mode
// on one machine (`lttle cluster up`): etcd, kube-apiserver, kube-controller-
// manager and kube-scheduler built by `make kube`, run detached with their
// logs and state under <home>/cluster, the CRDs applied, and a kubeconfig
// written. A real cluster is used the same way through its own kubeconfig.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { packageRoot } from '../../../schema/src/paths';
import { customResourceDefinitions } from '../../../schema/src/crd';
import { ensurePki, type Pki } from './pki';
import { KubeClient } from './kube-client';

const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
type Component = (typeof COMPONENTS)[number];

interface ClusterState {
  apiserverPort: number;
  etcdPort: number;
  pids: Partial<Record<Component, number>>;
}

export interface ClusterInfo {
  server: string;
  kubeconfig: string;
  pids: Partial<Record<Component, number>>;
  logs: string;
}

/** Where `make kube` puts the binaries (LTTLE_KUBE_BIN overrides). */
export function kubeBinDir(): string {
  return process.env.LTTLE_KUBE_BIN ?? path.join(process.env.LTTLE_BUILD ?? path.join(packageRoot(), 'build'), 'kube', 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const alive = (pid: number | undefined): boolean => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: the process is gone
  }
};

export class ControlPlane {
  readonly stateFile: string;
  readonly kubeconfig: string;
  readonly logDir: string;

  constructor(readonly dir: string) {
    this.stateFile = path.join(dir, 'cluster.json');
    this.kubeconfig = path.join(dir, 'kubeconfig');
    this.logDir = path.join(dir, 'logs');
  }

  private readState(): ClusterState | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.stateFile, 'utf8')) as ClusterState;
    } catch {
      return undefined; // never started here
    }
  }

  running(): boolean {
    const state = this.readState();
    return Boolean(state && COMPONENTS.every((c) => alive(state.pids[c])));
  }

  async client(): Promise<KubeClient> {
    const state = this.readState();
    if (!state) throw new Error(`no cluster was started in ${this.dir}: run lttle cluster up`);
    const pki = await ensurePki(path.join(this.dir, 'pki'));
    return new KubeClient({ server: `https://127.0.0.1:${state.apiserverPort}`, ca: fs.readFileSync(pki.caCert, 'utf8'), token: pki.token });
  }

  /** Starts whatever is not running, waits until the API server is ready and the CRDs are established. */
  async up(progress: (line: string) => void = () => undefined): Promise<ClusterInfo> {
    const bin = kubeBinDir();
    for (const c of COMPONENTS) {
      if (!fs.existsSync(path.join(bin, c))) throw new Error(`${path.join(bin, c)} is missing: build the control plane with make kube (or set LTTLE_KUBE_BIN)`);
    }
    fs.mkdirSync(this.logDir, { recursive: true });
    const pki = await ensurePki(path.join(this.dir, 'pki'));
    const previous = this.readState();
    // Ports are kept while any component runs; a cluster started again from nothing takes free ones.
    const state: ClusterState =
      previous && COMPONENTS.some((c) => alive(previous.pids[c])) ? previous : { apiserverPort: await freePort(), etcdPort: await freePort(), pids: {} };
    const save = () => fs.writeFileSync(this.stateFile, JSON.stringify(state, null, 2));
    save();
    this.writeKubeconfig(pki, state.apiserverPort);
    for (const component of COMPONENTS) {
      if (alive(state.pids[component])) continue;
      progress(`starting ${component}`);
      state.pids[component] = await this.start(component, await this.argsOf(component, state, pki));
      save();
      const pid = state.pids[component];
      if (component === 'etcd') await this.waitFor('etcd', () => httpOk(`http://127.0.0.1:${state.etcdPort}/health`), pid);
      if (component === 'kube-apiserver') {
        const client = await this.client();
        await this.waitFor('kube-apiserver', async () => (await client.request('GET', '/readyz')).status === 200, pid);
      }
    }
    progress('applying the Volume and App custom resource definitions');
    const client = await this.client();
    for (const crd of customResourceDefinitions()) await client.apply('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    await this.waitFor('the custom resources', async () => {
      const res = await client.request('GET', '/apis/lttle.dev/v1alpha1');
      return res.status === 200;
    });
    return { server: `https://127.0.0.1:${state.apiserverPort}`, kubeconfig: this.kubeconfig, pids: state.pids, logs: this.logDir };
  }

  /** Stops every component (SIGTERM, then SIGKILL after 10 s); etcd's data stays for the next up. */
  async down(): Promise<void> {
    const state = this.readState();
    if (!state) return;
    for (const component of [...COMPONENTS].reverse()) {
      const pid = state.pids[component];
      if (!alive(pid)) continue;
      process.kill(pid as number, 'SIGTERM');
      const deadline = Date.now() + 10_000;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (alive(pid)) process.kill(pid as number, 'SIGKILL');
      delete state.pids[component];
    }
    fs.writeFileSync(this.stateFile, JSON.stringify(state, null, 2));
  }

  private async argsOf(component: Component, state: ClusterState, pki: Pki): Promise<string[]> {
    const etcd = `http://127.0.0.1:${state.etcdPort}`;
    switch (component) {
      case 'etcd': {
        const peer = `http://127.0.0.1:${await freePort()}`;
        return [
          `--data-dir=${path.join(this.dir, 'etcd')}`,
          `--listen-client-urls=${etcd}`,
          `--advertise-client-urls=${etcd}`,
          `--listen-peer-urls=${peer}`,
          `--initial-advertise-peer-urls=${peer}`,
          `--initial-cluster=default=${peer}`,
          '--listen-metrics-urls=',
          '--log-level=warn',
        ];
      }
      case 'kube-apiserver':
        return [
          `--etcd-servers=${etcd}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${state.apiserverPort}`,
          // The default reconciler refuses a loopback advertise address; one server needs no reconciling.
          '--endpoint-reconciler-type=none',
          `--tls-cert-file=${pki.serverCert}`,
          `--tls-private-key-file=${pki.serverKey}`,
          `--client-ca-file=${pki.caCert}`,
          `--token-auth-file=${pki.tokenFile}`,
          '--authorization-mode=Node,RBAC',
          `--service-account-key-file=${pki.serviceAccountPub}`,
          `--service-account-signing-key-file=${pki.serviceAccountKey}`,
          '--service-account-issuer=https://kubernetes.default.svc',
          '--service-cluster-ip-range=10.96.0.0/16',
          `--cert-dir=${path.join(this.dir, 'pki')}`,
        ];
      case 'kube-controller-manager':
        return [
          ...(await this.clientArgs()),
          `--service-account-private-key-file=${pki.serviceAccountKey}`,
          `--root-ca-file=${pki.caCert}`,
          // A node whose agent stops renewing its Lease is NotReady after 20 s (the default 40 s is long for tests and small fleets).
          '--node-monitor-grace-period=20s',
        ];
      case 'kube-scheduler':
        return this.clientArgs();
    }
  }

  /** The controller manager and the scheduler: clients of the API server with the admin kubeconfig, one instance each. */
  private async clientArgs(): Promise<string[]> {
    return [
      `--kubeconfig=${this.kubeconfig}`,
      `--authentication-kubeconfig=${this.kubeconfig}`,
      `--authorization-kubeconfig=${this.kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${await freePort()}`,
      '--leader-elect=false',
    ];
  }

  private start(component: Component, args: string[]): Promise<number> {
    const log = fs.openSync(path.join(this.logDir, `${component}.log`), 'a');
    const child = spawn(path.join(kubeBinDir(), component), args, { detached: true, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    return new Promise((resolve, reject) => {
      child.once('error', (err) => reject(new Error(`cannot start ${component}: ${err.message}`)));
      child.once('spawn', () => {
        child.unref();
        resolve(child.pid as number);
      });
    });
  }

  /** Polls until `ready`; a component that exits meanwhile fails at once with the end of its log. */
  private async waitFor(what: string, ready: () => Promise<boolean>, pid?: number, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (pid && !alive(pid)) {
        const log = path.join(this.logDir, `${what}.log`);
        const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').slice(-3).join('\n') : '';
        throw new Error(`${what} exited while starting (${log}):\n${tail}`);
      }
      try {
        // A listener that never answers (another program on the port) must not hold a poll for long.
        const answer = await Promise.race([ready(), new Promise<false>((r) => setTimeout(() => r(false), 2000).unref())]);
        if (answer) return;
      } catch {
        // Not listening yet: keep polling until the deadline.
      }
      if (Date.now() > deadline) throw new Error(`${what} did not become ready in ${timeoutMs / 1000} s: see ${this.logDir}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private writeKubeconfig(pki: Pki, port: number): void {
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'lttle', cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': fs.readFileSync(pki.caCert).toString('base64') } },
      ],
      users: [{ name: 'lttle-admin', user: { token: pki.token } }],
      contexts: [{ name: 'lttle', context: { cluster: 'lttle', user: 'lttle-admin' } }],
      'current-context': 'lttle',
    };
    fs.writeFileSync(this.kubeconfig, stringify(config), { mode: 0o600 });
  }
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url);
  return res.ok;
}
