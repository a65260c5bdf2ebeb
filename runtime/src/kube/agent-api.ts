// The node agents' own API on a cluster: each agent with LTTLE_LISTEN serves
// lttled's API on TCP and writes where on its Node (an annotation); all agents
// share one bearer token, kept in a Secret of the cluster. Agents use it to send
// an app to another host; `lttle --kubeconfig` uses it for an app's logs and exec.
import * as http from 'node:http';
import type { Readable } from 'node:stream';
import { errorFromText, readAll } from '../client/http';
import { RuntimeClient } from '../client/client';
import { ConflictError, NotFoundError } from '../../../schema/src/errors';
import type { KubeClient } from './kube-client';

/** On a Node: the URL of its agent's API. */
export const API_ANNOTATION = 'lttle.dev/api';
/** The Secret (namespace lttle-system) with the agents' token, under key `token`. */
export const TOKEN_SECRET = { namespace: 'lttle-system', name: 'lttle-agent-api' };

const secretPath = `/api/v1/namespaces/${TOKEN_SECRET.namespace}/secrets/${TOKEN_SECRET.name}`;

/**
 * Publishes this agent's token for the cluster unless one is there (a DaemonSet's, made by
 * the operator): then that one is the cluster's, and a different one here is said.
 */
export async function publishAgentToken(client: KubeClient, token: string, log: (line: string) => void): Promise<void> {
  const published = await readAgentToken(client);
  if (published !== undefined) {
    if (published !== token)
      log(
        `node agent: LTTLE_TOKEN differs from the cluster's (secret ${TOKEN_SECRET.namespace}/${TOKEN_SECRET.name}): other agents and the CLI cannot reach this one`,
      );
    return;
  }
  const ns = await client.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: TOKEN_SECRET.namespace } });
  if (ns.status >= 300 && ns.status !== 409) throw new Error(`creating namespace ${TOKEN_SECRET.namespace}: HTTP ${ns.status}`);
  const created = await client.request('POST', `/api/v1/namespaces/${TOKEN_SECRET.namespace}/secrets`, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: TOKEN_SECRET.name },
    stringData: { token },
  });
  // 409: another agent published one meanwhile; the next start compares.
  if (created.status >= 300 && created.status !== 409)
    throw new Error(`creating secret ${TOKEN_SECRET.namespace}/${TOKEN_SECRET.name}: HTTP ${created.status}`);
}

export async function readAgentToken(client: KubeClient): Promise<string | undefined> {
  const res = await client.request<{ data?: { token?: string } }>('GET', secretPath);
  if (res.status === 404) return undefined;
  if (res.status >= 300) throw new Error(`reading secret ${TOKEN_SECRET.namespace}/${TOKEN_SECRET.name}: HTTP ${res.status}`);
  const token = res.body.data?.token;
  return token === undefined ? undefined : Buffer.from(token, 'base64').toString();
}

/** A client of the agent of `host`: the daemon API of that host, as `lttle` uses it locally. */
export async function agentClient(client: KubeClient, host: string): Promise<RuntimeClient> {
  const node = await client.request<{ metadata: { annotations?: Record<string, string> } }>('GET', `/api/v1/nodes/${encodeURIComponent(host)}`);
  if (node.status === 404) throw new NotFoundError(`host ${host} is not a node of this cluster`);
  if (node.status >= 300) throw new Error(`reading node ${host}: HTTP ${node.status}`);
  const api = node.body.metadata.annotations?.[API_ANNOTATION];
  if (!api) throw new ConflictError(`the agent of host ${host} serves no API (start it with LTTLE_LISTEN and LTTLE_TOKEN)`);
  const token = await readAgentToken(client);
  if (!token) throw new ConflictError(`the cluster has no agent token (secret ${TOKEN_SECRET.namespace}/${TOKEN_SECRET.name})`);
  return new RuntimeClient({ host: api, token, autostart: false });
}

/** Streams a move package to the agent at `api` (app-move.ts); resolves once it has kept it. */
export function sendArrival(api: string, token: string, namespace: string, name: string, body: Readable): Promise<void> {
  const url = new URL(`/v1/arrivals/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`, api);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'PUT', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-tar', accept: 'application/json' } },
      (res) => {
        void readAll(res).then((text) => ((res.statusCode ?? 500) < 300 ? resolve() : reject(errorFromText(res.statusCode ?? 500, text))), reject);
      },
    );
    req.on('error', reject);
    body.on('error', (err) => req.destroy(err));
    body.pipe(req);
  });
}
