// The providers' runtime when they are given a kubeconfig: the Volume and App
// custom resources of a cluster instead of one lttled. Applies write the
// objects (the environment in a Secret, never in the App), then wait on the
// status the node agent writes exactly as they wait on lttled (client/wait.ts);
// the API server's refusals become the errors lttled throws, naming the field.
import { randomBytes } from 'node:crypto';
import { diffApp, diffVolume, equal, type Plan } from '../../../schema/src/diff';
import { InvalidError, LttleError, UnreachableError, ConflictError, NotFoundError } from '../../../schema/src/errors';
import { normaliseApp, normaliseVolume, type Normalised } from '../../../schema/src/normalize';
import { formatPath } from '../../../schema/src/schema';
import type { AppSpec, AppStatus, VolumeSnapshot, VolumeSpec, VolumeStatus } from '../../../schema/src/types';
import type { ApplyResult, RawResource, RuntimeApi, WaitOptions } from '../client/api';
import { waitSettled } from '../client/wait';
import { ClusterResources, ENVIRONMENT_OF_LABEL } from './cluster-resources';
import { appStatusOf, refusalError, volumeStatusOf, type AppCustomResource, type VolumeCustomResource } from './cluster-status';
import { KubeApiError, KubeClient, type KubeStatus } from './kube-client';
import { readKubeconfig } from './kubeconfig';
import { podName } from './app-pod';
import { NOT_ON_A_CLUSTER } from './not-on-a-cluster';
import { agentClient } from './agent-api';
import type { RuntimeClient } from '../client/client';

const GROUP = '/apis/lttle.dev/v1alpha1';
const seg = encodeURIComponent;

/** What lttled's API does with a body that does not validate (runtime/src/api/parse-body.ts). */
function normalised<T extends { namespace: string; name: string }>(kind: string, result: Normalised<T>, raw: RawResource): T {
  if (result.ok) return result.spec;
  throw new InvalidError(
    `invalid ${kind} ${raw.namespace ?? 'default'}/${raw.name}: ${result.issues.map((i) => `${formatPath(i.path)} ${i.message}`).join('; ')}`,
    result.issues,
  );
}

function notOnACluster(kind: string, id: string, field: keyof typeof NOT_ON_A_CLUSTER): InvalidError {
  return new InvalidError(`invalid ${kind} ${id}: ${field} ${NOT_ON_A_CLUSTER[field]}`, [{ path: [field], message: NOT_ON_A_CLUSTER[field] }]);
}

function refusePlan(plan: Plan): Plan {
  if (plan.errors.length) throw new InvalidError(plan.errors.map((e) => e.message).join('; '), plan.errors);
  return plan;
}

export class ClusterRuntime implements RuntimeApi {
  readonly target: string;
  private readonly kube: KubeClient;
  private readonly resources: ClusterResources;

  /** Reads the kubeconfig (its errors name the file and the context); connects only on the first call. */
  constructor(kubeconfig: string, context?: string) {
    const { endpoint } = readKubeconfig(kubeconfig, context);
    this.kube = new KubeClient(endpoint);
    this.resources = new ClusterResources(this.kube);
    this.target = `the cluster at ${endpoint.server} (kubeconfig ${kubeconfig}${context ? `, context ${context}` : ''})`;
  }

  async getVolume(namespace: string, name: string): Promise<VolumeStatus | undefined> {
    const object = await this.getVolumeObject(namespace, name);
    return object && volumeStatusOf(object, await this.mountedBy(namespace, name));
  }

  async getApp(namespace: string, name: string): Promise<AppStatus | undefined> {
    const object = await this.getAppObject(namespace, name);
    return object && appStatusOf(object, (await this.environmentOf(object)) ?? {});
  }

  async applyVolumeAndWait(raw: VolumeSpec | RawResource, options: WaitOptions<VolumeStatus>): Promise<ApplyResult<VolumeStatus>> {
    const spec = normalised('volume', normaliseVolume(raw), raw as RawResource);
    const id = `${spec.namespace}/${spec.name}`;
    if (spec['from-snapshot'] !== undefined) throw notOnACluster('volume', id, 'from-snapshot');
    const plan = refusePlan(diffVolume((await this.getVolume(spec.namespace, spec.name))?.spec, spec));
    const stored = await this.refusing('volume', id, async () => {
      await this.resources.check('volume', spec);
      return this.resources.applyVolume(spec);
    });
    const accepted = volumeStatusOf(stored as VolumeCustomResource);
    return { status: await waitSettled('volume', accepted, options, () => this.getVolume(spec.namespace, spec.name)), plan };
  }

  async applyAppAndWait(raw: AppSpec | RawResource, options: WaitOptions<AppStatus>): Promise<ApplyResult<AppStatus>> {
    const spec = normalised('app', normaliseApp(raw), raw as RawResource);
    const id = `${spec.namespace}/${spec.name}`;
    // The App custom resource has no fork-of (schema/src/crd.ts): the API server would drop it unsaid.
    if (spec['fork-of'] !== undefined) throw notOnACluster('app', id, 'fork-of');
    const current = await this.getAppObject(spec.namespace, spec.name);
    const currentEnvironment = current && (await this.environmentOf(current));
    const plan = refusePlan(diffApp(current && appStatusOf(current, currentEnvironment ?? {}).spec, spec));
    // A changed environment gets a Secret of a new name: the App's spec changes with it, so its
    // generation moves and the wait below sees the agent redeploy (a Secret's content alone would not).
    const previousSecret = current?.spec.environmentSecret;
    const secretName =
      previousSecret && currentEnvironment && equal(currentEnvironment, spec.environment)
        ? previousSecret
        : `${spec.name}-env-${randomBytes(3).toString('hex')}`;
    const stored = await this.refusing('app', id, async () => {
      // The API server's own checks first: a refused App leaves no Secret behind.
      await this.resources.check('app', spec);
      return this.resources.applyApp(spec, secretName);
    });
    try {
      const accepted = appStatusOf(stored as AppCustomResource, spec.environment);
      return { status: await waitSettled('app', accepted, options, () => this.getApp(spec.namespace, spec.name)), plan };
    } finally {
      // The agent reads the new Secret from now on; the old one is lttle's to remove.
      if (previousSecret && previousSecret !== (stored.spec.environmentSecret as string | undefined))
        await this.deleteManagedSecret(spec.namespace, previousSecret, spec.name);
    }
  }

  /** Deleting an App deletes the Secrets of its environment and its Pod (no kubelet confirms a Pod's deletion). */
  async deleteApp(namespace: string, name: string): Promise<boolean> {
    const id = `${namespace}/${name}`;
    const res = await this.request('DELETE', `${GROUP}/namespaces/${seg(namespace)}/apps/${seg(name)}`);
    if (res.status >= 300 && res.status !== 404) throw refusalError('app', id, new KubeApiError(res.status, res.body as KubeStatus, `delete app ${id}`));
    const selector = encodeURIComponent(`${ENVIRONMENT_OF_LABEL}=${name}`);
    await this.expect(`delete the secrets of app ${id}`, 'DELETE', `/api/v1/namespaces/${seg(namespace)}/secrets?labelSelector=${selector}`);
    await this.expect(`delete the pod of app ${id}`, 'DELETE', `/api/v1/namespaces/${seg(namespace)}/pods/${seg(podName(name))}?gracePeriodSeconds=0`);
    return res.status !== 404;
  }

  /** Refused while an App mounts the volume, as lttled refuses to delete an attached volume. */
  async deleteVolume(namespace: string, name: string): Promise<boolean> {
    const id = `${namespace}/${name}`;
    const user = await this.mountedBy(namespace, name);
    if (user) throw new ConflictError(`volume ${id} is attached to app ${user}; delete the app first`);
    const res = await this.request('DELETE', `${GROUP}/namespaces/${seg(namespace)}/volumes/${seg(name)}`);
    if (res.status === 404) return false;
    if (res.status >= 300) throw refusalError('volume', id, new KubeApiError(res.status, res.body as KubeStatus, `delete volume ${id}`));
    return true;
  }

  // A volume's snapshots are layers of its file on the host it is bound to: asked of that host's agent.
  async listVolumeSnapshots(namespace: string, volume: string): Promise<VolumeSnapshot[]> {
    const host = await this.hostOfVolume(namespace, volume);
    return host ? (await this.agentOf(host)).listVolumeSnapshots(namespace, volume) : [];
  }

  async createVolumeSnapshot(namespace: string, volume: string, name: string): Promise<VolumeSnapshot> {
    const host = await this.hostOfVolume(namespace, volume);
    if (!host)
      throw new ConflictError(`volume ${namespace}/${volume} is on no host yet (it is made on the host of the first app that mounts it): nothing to snapshot`);
    return (await this.agentOf(host)).createVolumeSnapshot(namespace, volume, name);
  }

  async deleteVolumeSnapshot(namespace: string, volume: string, name: string): Promise<boolean> {
    const host = await this.hostOfVolume(namespace, volume).catch((err: Error) => (err instanceof NotFoundError ? undefined : Promise.reject(err)));
    return host ? (await this.agentOf(host)).deleteVolumeSnapshot(namespace, volume, name) : false;
  }

  private async hostOfVolume(namespace: string, volume: string): Promise<string | undefined> {
    const id = `${namespace}/${volume}`;
    const object = await this.getVolumeObject(namespace, volume);
    if (!object) throw new NotFoundError(`volume ${id} does not exist in ${this.target}`);
    return object.status?.host;
  }

  private agentOf(host: string): Promise<RuntimeClient> {
    return this.reachable(() => agentClient(this.kube, host));
  }

  private getVolumeObject(namespace: string, name: string): Promise<VolumeCustomResource | undefined> {
    return this.get<VolumeCustomResource>('volume', `${GROUP}/namespaces/${seg(namespace)}/volumes/${seg(name)}`, `${namespace}/${name}`);
  }

  private getAppObject(namespace: string, name: string): Promise<AppCustomResource | undefined> {
    return this.get<AppCustomResource>('app', `${GROUP}/namespaces/${seg(namespace)}/apps/${seg(name)}`, `${namespace}/${name}`);
  }

  private async get<T>(kind: 'app' | 'volume', path: string, id: string): Promise<T | undefined> {
    const res = await this.request<T>('GET', path);
    if (res.status === 404) return undefined;
    if (res.status >= 300) throw refusalError(kind, id, new KubeApiError(res.status, res.body as KubeStatus, `get ${kind} ${id}`));
    return res.body;
  }

  /** The environment in the Secret the App names; undefined when it names none or the Secret is gone. Values are never logged. */
  private async environmentOf(app: AppCustomResource): Promise<Record<string, string> | undefined> {
    const secret = app.spec.environmentSecret;
    if (!secret) return undefined;
    const res = await this.request<{ data?: Record<string, string> }>('GET', `/api/v1/namespaces/${seg(app.metadata.namespace)}/secrets/${seg(secret)}`);
    if (res.status === 404) return undefined;
    if (res.status >= 300) throw new LttleError('internal', `reading secret ${app.metadata.namespace}/${secret}: HTTP ${res.status}`);
    return Object.fromEntries(Object.entries(res.body.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  }

  /** The first App (`namespace/name`) that mounts the volume, in any namespace the credentials may list. */
  private async mountedBy(namespace: string, name: string): Promise<string | undefined> {
    let res = await this.request<{ items: AppCustomResource[] }>('GET', `${GROUP}/apps`);
    if (res.status === 403) res = await this.request('GET', `${GROUP}/namespaces/${seg(namespace)}/apps`);
    if (res.status >= 300) throw new LttleError('internal', `listing the apps that mount volume ${namespace}/${name}: HTTP ${res.status}`);
    const user = res.body.items.find((app) =>
      ((app.spec.volumes ?? []) as { name: string; namespace?: string }[]).some(
        (m) => m.name === name && (m.namespace ?? app.metadata.namespace) === namespace,
      ),
    );
    return user && `${user.metadata.namespace}/${user.metadata.name}`;
  }

  /** Removes a Secret only when lttle wrote it for this app (a user's own Secret stays). */
  private async deleteManagedSecret(namespace: string, secret: string, app: string): Promise<void> {
    const path = `/api/v1/namespaces/${seg(namespace)}/secrets/${seg(secret)}`;
    const res = await this.request<{ metadata?: { labels?: Record<string, string> } }>('GET', path);
    if (res.status === 200 && res.body.metadata?.labels?.[ENVIRONMENT_OF_LABEL] === app)
      await this.expect(`delete secret ${namespace}/${secret}`, 'DELETE', path);
  }

  private async expect(what: string, method: string, path: string): Promise<void> {
    const res = await this.request(method, path);
    if (res.status >= 300 && res.status !== 404) throw new KubeApiError(res.status, res.body as KubeStatus, what);
  }

  /** The API server's refusals of an apply as domain errors. */
  private async refusing<T>(kind: 'app' | 'volume', id: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.reachable(fn);
    } catch (err) {
      if (err instanceof KubeApiError) throw refusalError(kind, id, err);
      throw err;
    }
  }

  private request<T = unknown>(method: string, path: string): Promise<{ status: number; body: T }> {
    return this.reachable(() => this.kube.request<T>(method, path));
  }

  /** A connection that fails is the runtime being unreachable, said with where it was looked for. */
  private async reachable<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof LttleError || err instanceof KubeApiError) throw err;
      throw new UnreachableError(`cannot reach ${this.target}: ${(err as Error).message}`);
    }
  }
}
