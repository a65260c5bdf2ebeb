// lttled in node mode: the agent of one host in a Kubernetes cluster. The API
// server is the one source of truth and kube-scheduler the one placer; the
// agent registers its Node, keeps its Lease, keeps one Pod per App (any agent
// may create a missing one: creation is idempotent), runs the Apps whose Pod is
// bound to its node through the ordinary local controller, and writes their
// status. Flash mode (suspend, resume, deep suspend) stays local to the host.
//
// Fencing: an App runs only where all its volumes are bound. A volume is bound
// to the host of its first consumer by a status update conditional on the
// resourceVersion the agent read, so two agents cannot both take it; an agent
// never runs an App whose volume is bound elsewhere.
import { normaliseApp, normaliseVolume } from '../../../schema/src/normalize';
import { bodyOfCustomResource, type CustomResource } from '../../../schema/src/crd-body';
import { resourceId, type AppSpec, type AppStatus, type VolumeSpec, type VolumeStatus } from '../../../schema/src/types';
import { appPod, APP_LABEL, podName, type AppResource } from './app-pod';
import { appResourceStatus, waitingStatus, type AppResourceStatus } from './app-status';
import type { KubeClient } from './kube-client';
import type { ServiceApp } from '../proxy/internal-services';
import { RemoteServiceApp } from './remote-service-app';
import { HEARTBEAT_MS, NodeRegistration } from './node-registration';
import { AppMover, MOVE_ANNOTATION, type LocalMoves } from './app-mover';
import type { NodeAllocatable, PodResources } from './node-fit';

const GROUP = '/apis/lttle.dev/v1alpha1';
const RECONCILE_MS = 1_000;

/** What the agent drives on its host: the daemon's volume and app managers. */
export interface LocalRuntime {
  applyVolume(spec: VolumeSpec): Promise<void>;
  applyApp(spec: AppSpec): Promise<void>;
  deleteApp(namespace: string, name: string): Promise<void>;
  apps(): AppStatus[];
  deleteVolume(namespace: string, name: string): Promise<void>;
  volumes(): VolumeStatus[];
  /** The apps of other hosts whose internal services the apps here may reach. */
  setRemoteServices(apps: ServiceApp[]): void;
  /** Moves to and from other hosts (app-moves.ts). */
  moves: LocalMoves & {
    adoptArrival(namespace: string, name: string): Promise<boolean>;
    arrivals(): string[];
    discardArrival(namespace: string, name: string): void;
  };
}

interface Meta {
  name: string;
  namespace: string;
  uid: string;
  generation?: number;
  resourceVersion: string;
  deletionTimestamp?: string;
  annotations?: Record<string, string>;
}
type AppObject = AppResource & CustomResource & { metadata: Meta; spec: { environmentSecret?: string }; status?: AppResourceStatus };
type VolumeObject = CustomResource & { metadata: Meta; status?: { host?: string } };
interface PodObject extends PodResources {
  metadata: Meta;
}
interface NodeObject extends NodeAllocatable {
  metadata: { name: string; annotations?: Record<string, string> };
  status?: { allocatable?: Record<string, string>; conditions?: { type: string; status: string; lastHeartbeatTime?: string }[] };
}

const key = (ns: string, name: string) => `${ns}/${name}`;
const withoutTimes = (s: AppResourceStatus) => JSON.stringify({ ...s, conditions: s.conditions.map(({ lastTransitionTime: _t, ...c }) => c) });

export class NodeAgent {
  private readonly registration: NodeRegistration;
  /** The spec last applied locally per app (JSON), so an unchanged App is not re-applied every second. */
  private readonly applied = new Map<string, string>();
  /** The volumes seen bound to this host in the cluster: the only ones removed here when their Volume goes. */
  private readonly boundHere = new Set<string>();
  /** The status last written per app (without timestamps). */
  private readonly written = new Map<string, string>();
  private timers: NodeJS.Timeout[] = [];
  private reconciling = false;
  private readonly mover: AppMover;

  constructor(
    private readonly client: KubeClient,
    readonly nodeName: string,
    private readonly local: LocalRuntime,
    private readonly log: (line: string) => void,
    capacity: ConstructorParameters<typeof NodeRegistration>[2],
    address: string,
    /** This agent's API (agent-api.ts): its URL and the cluster's token; without it, apps neither move here nor away. */
    api?: { url: string; token: string },
  ) {
    this.registration = new NodeRegistration(client, nodeName, capacity, address, api?.url);
    this.mover = new AppMover(client, nodeName, local.moves, api?.token, log);
  }

  async start(): Promise<void> {
    await this.registration.register();
    this.log(`node agent: registered node ${this.nodeName}`);
    this.timers.push(
      setInterval(() => void this.registration.heartbeat().catch((err: Error) => this.log(`node agent: heartbeat failed: ${err.message}`)), HEARTBEAT_MS),
    );
    this.timers.push(setInterval(() => void this.reconcileOnce(), RECONCILE_MS));
    await this.reconcileOnce();
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  async reconcileOnce(): Promise<void> {
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      await this.reconcile();
    } catch (err) {
      this.log(`node agent: reconcile failed: ${(err as Error).message}`);
    } finally {
      this.reconciling = false;
    }
  }

  private async reconcile(): Promise<void> {
    const [apps, volumes, pods, nodes] = await Promise.all([
      this.client.call<{ items: AppObject[] }>('GET', `${GROUP}/apps`),
      this.client.call<{ items: VolumeObject[] }>('GET', `${GROUP}/volumes`),
      this.client.call<{ items: PodObject[] }>('GET', `/api/v1/pods?labelSelector=${encodeURIComponent(APP_LABEL)}`),
      this.client.call<{ items: NodeObject[] }>('GET', '/api/v1/nodes'),
    ]);
    const volumeOf = new Map(volumes.items.map((v) => [key(v.metadata.namespace, v.metadata.name), v]));
    const podOf = new Map(pods.items.map((p) => [key(p.metadata.namespace, p.metadata.name), p]));
    const ready = new Map(nodes.items.map((n) => [n.metadata.name, n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True']));
    const mine = new Set<string>();
    const remote: ServiceApp[] = [];
    // The Pod of a deleted App waits for a kubelet to confirm its end; this agent is that kubelet.
    const appPods = new Set(apps.items.map((a) => key(a.metadata.namespace, podName(a.metadata.name))));
    for (const pod of pods.items) {
      if (pod.spec.nodeName === this.nodeName && pod.metadata.deletionTimestamp && !appPods.has(key(pod.metadata.namespace, pod.metadata.name)))
        await this.forceDelete(pod);
    }
    for (const app of apps.items) {
      const id = key(app.metadata.namespace, app.metadata.name);
      const mounts = (app.spec.volumes ?? []).map((m) => volumeOf.get(key(m.namespace ?? app.metadata.namespace, m.name)));
      const volumeHost = mounts.find((v) => v?.status?.host)?.status?.host;
      const pod = podOf.get(key(app.metadata.namespace, podName(app.metadata.name)));
      if (!pod) {
        await this.createPod(app, volumeHost);
        continue;
      }
      const host = pod.spec.nodeName;
      if (pod.metadata.deletionTimestamp) {
        // Evicted from a host that stopped answering: no kubelet will confirm the delete, so the agents do.
        if (host && ready.get(host) !== true && !mounts.length) await this.forceDelete(pod);
        continue;
      }
      if (!host) {
        // Placed before its volume had a host: a Pod's affinity cannot change, so it is made again.
        if (volumeHost && pod.metadata.annotations?.['lttle.dev/volume-host'] !== volumeHost) await this.forceDelete(pod);
        continue;
      }
      if (host !== this.nodeName) {
        const elsewhere = this.remoteApp(app);
        if (elsewhere) remote.push(elsewhere);
        if (ready.get(host) !== true && mounts.length) {
          await this.writeStatus(
            app,
            waitingStatus(
              'HostUnreachable',
              `waiting for host ${host}, which holds its volumes and does not answer; it resumes there with its data`,
              new Date().toISOString(),
              host,
            ),
          );
        }
        continue;
      }
      if (this.mover.wanted(app)) {
        const targets = nodes.items.map((n) => ({ ...n, ready: ready.get(n.metadata.name) === true }));
        await this.mover.move(
          app,
          pod,
          pods.items,
          mounts.filter((v): v is VolumeObject => v !== undefined),
          targets,
        );
        if (!this.local.apps().some((s) => resourceId(s.spec) === id)) continue;
      }
      mine.add(id);
      await this.runHere(app, mounts);
    }
    // A copy sent here stays only while its app is on its way here.
    const movingHere = new Set(
      apps.items.filter((a) => a.metadata.annotations?.[MOVE_ANNOTATION] === this.nodeName).map((a) => key(a.metadata.namespace, a.metadata.name)),
    );
    for (const id of this.local.moves.arrivals()) {
      if (!movingHere.has(id)) this.local.moves.discardArrival(id.split('/')[0], id.split('/')[1]);
    }
    this.local.setRemoteServices(remote);
    for (const status of this.local.apps()) {
      const id = resourceId(status.spec);
      // In node mode every app of the host is the cluster's: one not placed here (moved while this
      // agent was away, or deleted) must not run here too.
      if (mine.has(id)) continue;
      this.log(`node agent: ${id} is no longer placed on ${this.nodeName}: removing it here`);
      await this.local.deleteApp(status.spec.namespace, status.spec.name);
      this.applied.delete(id);
      this.written.delete(id);
    }
    for (const [id, v] of volumeOf) if (v.status?.host === this.nodeName) this.boundHere.add(id);
    await this.removeDeletedVolumes(new Set(volumeOf.keys()));
  }

  /**
   * A volume this agent saw bound here whose Volume is gone (`pulumi destroy`,
   * `terraform destroy`, kubectl delete) goes with its data, as it does on one
   * lttled. Only those: data the agent never saw the cluster own (a volume of
   * the host from before node mode) is never removed. Refused while a machine
   * still has it open (its App's removal above stops it first): the next
   * round tries again.
   */
  private async removeDeletedVolumes(inCluster: Set<string>): Promise<void> {
    for (const volume of this.local.volumes()) {
      const id = resourceId(volume.spec);
      if (inCluster.has(id) || !this.boundHere.has(id)) continue;
      try {
        await this.local.deleteVolume(volume.spec.namespace, volume.spec.name);
        this.boundHere.delete(id);
        this.log(`node agent: volume ${id} is no longer in the cluster: removed it here`);
      } catch (err) {
        this.log(`node agent: volume ${id} is no longer in the cluster, but removing it here failed: ${(err as Error).message}`);
      }
    }
  }

  /** An app running on another host, as the target of internal names here (once it reports its services). */
  private remoteApp(app: AppObject): RemoteServiceApp | undefined {
    const services = app.status?.services;
    if (!services?.length) return undefined;
    const spec = normaliseApp(bodyOfCustomResource('app', app, {}));
    if (!spec.ok) return undefined;
    return new RemoteServiceApp(spec.spec, Object.fromEntries(services.map((s) => [s.name, s.address])), this.log);
  }

  private async createPod(app: AppObject, volumeHost: string | undefined): Promise<void> {
    const res = await this.client.request('POST', `/api/v1/namespaces/${app.metadata.namespace}/pods`, appPod(app, volumeHost));
    if (res.status >= 300 && res.status !== 409)
      this.log(`node agent: cannot create the pod of ${app.metadata.namespace}/${app.metadata.name}: HTTP ${res.status}`);
  }

  private async forceDelete(pod: PodObject): Promise<void> {
    const res = await this.client.request('DELETE', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}?gracePeriodSeconds=0`);
    if (res.status >= 300 && res.status !== 404) this.log(`node agent: cannot delete pod ${pod.metadata.namespace}/${pod.metadata.name}: HTTP ${res.status}`);
  }

  /** Binds the app's volumes to this host (fencing), applies them and the app locally, and writes its status. */
  private async runHere(app: AppObject, mounts: (VolumeObject | undefined)[]): Promise<void> {
    const now = new Date().toISOString();
    const id = key(app.metadata.namespace, app.metadata.name);
    // Moved here from another host: its volumes and snapshot are installed before anything else.
    if (await this.local.moves.adoptArrival(app.metadata.namespace, app.metadata.name)) this.log(`node agent: ${id} arrived from another host`);
    for (const [i, volume] of mounts.entries()) {
      if (!volume) return this.writeStatus(app, waitingStatus('VolumeMissing', `volume ${app.spec.volumes?.[i].name} does not exist yet`, now));
      if (volume.status?.host && volume.status.host !== this.nodeName)
        return this.writeStatus(app, waitingStatus('VolumeElsewhere', `volume ${volume.metadata.name} is bound to host ${volume.status.host}`, now));
      if (!volume.status?.host && !(await this.bindVolume(volume))) return;
      const spec = normaliseVolume(bodyOfCustomResource('volume', volume));
      if (!spec.ok)
        return this.writeStatus(app, waitingStatus('InvalidVolume', `volume ${volume.metadata.name}: ${spec.issues.map((x) => x.message).join('; ')}`, now));
      await this.local.applyVolume(spec.spec);
    }
    const environment = app.spec.environmentSecret ? await this.secretEnvironment(app.metadata.namespace, app.spec.environmentSecret) : {};
    if (!environment) return this.writeStatus(app, waitingStatus('SecretMissing', `secret ${app.spec.environmentSecret} does not exist yet`, now));
    const spec = normaliseApp(bodyOfCustomResource('app', app, environment));
    if (!spec.ok) return this.writeStatus(app, waitingStatus('InvalidSpec', spec.issues.map((x) => x.message).join('; '), now));
    const json = JSON.stringify(spec.spec);
    if (this.applied.get(id) !== json) {
      this.log(`node agent: running ${id} (generation ${app.metadata.generation ?? 0})`);
      await this.local.applyApp(spec.spec);
      this.applied.set(id, json);
    }
    const local = this.local.apps().find((s) => resourceId(s.spec) === id);
    if (!local) return;
    // The App's generation is observed once the local controller has acted on the spec applied for it:
    // until then the local state is the old machine's, and a provider waiting on it would stop early.
    const acted = local.observedGeneration >= local.generation;
    const status = appResourceStatus(local, this.nodeName, acted ? app.metadata.generation : undefined, now);
    const refusal = this.mover.refusal(app);
    if (refusal) status.conditions.push({ type: 'Moved', status: 'False', reason: 'MoveRefused', message: refusal, lastTransitionTime: now });
    await this.writeStatus(app, status);
  }

  /** Takes the volume for this host, unless another agent took it since it was read (then the next round sees who). */
  private async bindVolume(volume: VolumeObject): Promise<boolean> {
    const path = `${GROUP}/namespaces/${volume.metadata.namespace}/volumes/${volume.metadata.name}/status`;
    const res = await this.client.request('PATCH', path, {
      metadata: { resourceVersion: volume.metadata.resourceVersion },
      status: { host: this.nodeName, state: 'bound' },
    });
    if (res.status === 409) return false;
    if (res.status >= 300) throw new Error(`binding volume ${volume.metadata.name} to ${this.nodeName}: HTTP ${res.status}`);
    this.log(`node agent: volume ${volume.metadata.namespace}/${volume.metadata.name} bound to ${this.nodeName}`);
    return true;
  }

  /** The environment from the Secret's data; undefined when the Secret is missing. Values are never logged. */
  private async secretEnvironment(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    const res = await this.client.request<{ data?: Record<string, string> }>('GET', `/api/v1/namespaces/${namespace}/secrets/${name}`);
    if (res.status === 404) return undefined;
    if (res.status >= 300) throw new Error(`reading secret ${namespace}/${name}: HTTP ${res.status}`);
    return Object.fromEntries(Object.entries(res.body.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  }

  private async writeStatus(app: AppObject, status: AppResourceStatus): Promise<void> {
    const id = key(app.metadata.namespace, app.metadata.name);
    const compact = withoutTimes(status);
    if (this.written.get(id) === compact && withoutTimes(app.status ?? { state: '', conditions: [] }) === compact) return;
    const path = `${GROUP}/namespaces/${app.metadata.namespace}/apps/${app.metadata.name}/status`;
    // A merge patch keeps keys it does not name: the ones this status lacks are cleared.
    const cleared = Object.fromEntries(
      Object.keys(app.status ?? {})
        .filter((k) => !(k in status))
        .map((k) => [k, null]),
    );
    const res = await this.client.request('PATCH', path, { status: { ...cleared, ...status } });
    if (res.status < 300) this.written.set(id, compact);
    else this.log(`node agent: writing the status of ${id}: HTTP ${res.status}`);
  }
}
