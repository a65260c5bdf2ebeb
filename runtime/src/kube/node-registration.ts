// The Node an agent registers for its host, and the heartbeat that keeps it
// Ready: the Lease in kube-node-lease renewed every 10 s (what the node
// lifecycle controller watches) and the Ready condition re-posted with it, so
// that a node that comes back after a lapse is Ready again.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { API_ANNOTATION } from './agent-api';
import type { KubeClient } from './kube-client';

/** Label and taint of lttle's nodes: only App pods (which tolerate it) land there. */
export const AGENT_LABEL = 'lttle.dev/agent';
export const LEASE_SECONDS = 40;
export const HEARTBEAT_MS = 10_000;

export interface NodeCapacity {
  cpu: string;
  memory: string;
  pods: string;
  'ephemeral-storage': string;
}

/**
 * What the host offers: its CPUs (LTTLE_NODE_CPUS when the operator keeps some
 * for the system), memory and the free disk of the lttle home; `pods` is the
 * number of apps it takes.
 */
export function hostCapacity(home: string, maxApps: number, env: NodeJS.ProcessEnv = process.env): NodeCapacity {
  const disk = fs.statfsSync(home);
  const cpus = Number(env.LTTLE_NODE_CPUS);
  return {
    cpu: String(Number.isInteger(cpus) && cpus > 0 ? cpus : os.cpus().length),
    memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
    pods: String(maxApps),
    'ephemeral-storage': `${Math.floor((disk.bavail * disk.bsize) / 1024)}Ki`,
  };
}

const microTime = (d = new Date()) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class NodeRegistration {
  constructor(
    private readonly client: KubeClient,
    readonly nodeName: string,
    private readonly capacity: NodeCapacity,
    private readonly address: string,
    /** The URL of this agent's API (agent-api.ts), when it serves one. */
    private readonly api?: string,
  ) {}

  /** Creates the Node (or takes over the one of an earlier run of this host) and posts it Ready. */
  async register(): Promise<void> {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.nodeName,
        labels: { 'kubernetes.io/hostname': this.nodeName, 'kubernetes.io/os': 'linux', [AGENT_LABEL]: 'true' },
      },
      spec: { taints: [{ key: AGENT_LABEL, value: 'true', effect: 'NoSchedule' }] },
    };
    const created = await this.client.request('POST', '/api/v1/nodes', node);
    if (created.status !== 201 && created.status !== 409) await this.client.call('POST', '/api/v1/nodes', node);
    // Set (or cleared) on the Node of an earlier run too.
    await this.client.call('PATCH', `/api/v1/nodes/${this.nodeName}`, { metadata: { annotations: { [API_ANNOTATION]: this.api ?? null } } });
    await this.heartbeat();
  }

  /** Renews the Lease and re-posts the Ready condition. */
  async heartbeat(): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await this.client.call('PATCH', `/api/v1/nodes/${this.nodeName}/status`, {
      status: {
        capacity: this.capacity,
        allocatable: this.capacity,
        addresses: [
          { type: 'InternalIP', address: this.address },
          { type: 'Hostname', address: this.nodeName },
        ],
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'LttleAgentReady',
            message: 'lttled runs the apps of this host',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
        nodeInfo: { kubeletVersion: 'lttle', operatingSystem: 'linux', architecture: process.arch === 'x64' ? 'amd64' : process.arch },
      },
    });
    const lease = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${this.nodeName}`;
    const spec = { holderIdentity: this.nodeName, leaseDurationSeconds: LEASE_SECONDS, renewTime: microTime() };
    const renewed = await this.client.request('PATCH', lease, { spec });
    if (renewed.status === 404) {
      await this.client.call('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.nodeName },
        spec,
      });
    } else if (renewed.status >= 300) {
      throw new Error(`renewing the Lease of ${this.nodeName}: HTTP ${renewed.status}`);
    }
  }
}
