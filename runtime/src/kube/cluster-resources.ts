// The lttle resources of a Kubernetes cluster as the CLI sees them: what
// `lttle deploy --kubeconfig` applies (a Volume, an App and the Secret of its
// environment) and what `lttle app list|get --kubeconfig` reads back.
import { customResourceOfSpec, environmentSecretName, type CustomResource } from '../../../schema/src/crd-body';
import type { AppSpec, VolumeSpec } from '../../../schema/src/types';
import type { AppResourceStatus } from './app-status';
import { withAppliedSpec } from './cluster-status';
import { KubeApiError, KubeClient, type KubeStatus } from './kube-client';
import { readKubeconfig } from './kubeconfig';

const GROUP = '/apis/lttle.dev/v1alpha1';

export interface AppObject {
  metadata: { name: string; namespace: string; generation?: number; creationTimestamp?: string };
  spec: { image: string; mode?: Record<string, unknown> } & Record<string, unknown>;
  status?: AppResourceStatus;
}

/** Labels of the Secrets lttle writes: which app's environment each holds, so deleting the app finds them all. */
export const ENVIRONMENT_OF_LABEL = 'lttle.dev/environment-of';

export function environmentSecret(app: string, name: string, environment: Record<string, string>): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'lttle', [ENVIRONMENT_OF_LABEL]: app } },
    type: 'Opaque',
    stringData: environment,
  };
}

export class ClusterResources {
  constructor(readonly client: KubeClient) {}

  static fromKubeconfig(file: string, context?: string): ClusterResources {
    return new ClusterResources(new KubeClient(readKubeconfig(file, context).endpoint));
  }

  async ensureNamespace(namespace: string): Promise<void> {
    const res = await this.client.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    if (res.status >= 300 && res.status !== 409) throw new KubeApiError(res.status, res.body as KubeStatus, `create namespace ${namespace}`);
  }

  /** Dry run on the server: the API server's own validation, nothing stored. */
  async check(kind: 'volume' | 'app', spec: VolumeSpec | AppSpec): Promise<void> {
    const resource = customResourceOfSpec(kind, spec as unknown as { name: string; namespace: string });
    const res = await this.client.request('POST', `${GROUP}/namespaces/${spec.namespace}/${kind}s?dryRun=All&fieldValidation=Strict`, resource);
    // 404: the namespace does not exist yet (deploy makes it); 409: it exists (apply updates it).
    if (res.status >= 300 && res.status !== 409 && res.status !== 404)
      throw new KubeApiError(res.status, res.body as KubeStatus, `${kind} ${spec.namespace}/${spec.name}`);
  }

  async applyVolume(spec: VolumeSpec): Promise<CustomResource> {
    await this.ensureNamespace(spec.namespace);
    return this.client.apply(
      `${GROUP}/namespaces/${spec.namespace}/volumes`,
      withAppliedSpec(customResourceOfSpec('volume', spec as unknown as VolumeSpec & Record<string, unknown>), spec),
    );
  }

  /** Writes the environment to Secret `secretName` (deploy's `<app>-env` unless told) and the App naming it; answers the App as stored. */
  async applyApp(spec: AppSpec, secretName = environmentSecretName(spec.name)): Promise<CustomResource> {
    await this.ensureNamespace(spec.namespace);
    const app = withAppliedSpec(customResourceOfSpec('app', spec as unknown as AppSpec & Record<string, unknown>), spec);
    if (Object.keys(spec.environment).length) {
      await this.client.apply(
        `/api/v1/namespaces/${spec.namespace}/secrets`,
        environmentSecret(spec.name, secretName, spec.environment) as { metadata: { name: string } },
      );
      app.spec.environmentSecret = secretName;
    }
    return this.client.apply(`${GROUP}/namespaces/${spec.namespace}/apps`, app);
  }

  async listApps(namespace?: string): Promise<AppObject[]> {
    const path = namespace ? `${GROUP}/namespaces/${namespace}/apps` : `${GROUP}/apps`;
    return (await this.client.call<{ items: AppObject[] }>('GET', path)).items;
  }

  async getApp(namespace: string, name: string): Promise<AppObject | undefined> {
    const res = await this.client.request<AppObject>('GET', `${GROUP}/namespaces/${namespace}/apps/${name}`);
    if (res.status === 404) return undefined;
    if (res.status >= 300) throw new KubeApiError(res.status, res.body as unknown as KubeStatus, `app ${namespace}/${name}`);
    return res.body;
  }
}
