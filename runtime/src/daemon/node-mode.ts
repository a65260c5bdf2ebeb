// Node mode: with LTTLE_KUBECONFIG and LTTLE_NODE_NAME set, lttled is also the
// agent of this host in a Kubernetes cluster (runtime/src/kube/node-agent.ts).
// Without them nothing changes: the single-host daemon stays the default.
import type { AppManager } from '../app/app-manager';
import type { AppMoves } from '../app/app-moves';
import { publishAgentToken } from '../kube/agent-api';
import { inClusterTarget, readKubeconfig } from '../kube/kubeconfig';
import { KubeClient } from '../kube/kube-client';
import { NodeAgent } from '../kube/node-agent';
import { hostCapacity } from '../kube/node-registration';
import type { VolumeManager } from '../volume/volume-manager';

export async function startNodeAgent(deps: {
  home: string;
  volumes: VolumeManager;
  apps: AppManager;
  moves: AppMoves;
  log: (line: string) => void;
}): Promise<NodeAgent | undefined> {
  const kubeconfig = process.env.LTTLE_KUBECONFIG;
  const nodeName = process.env.LTTLE_NODE_NAME;
  if (!kubeconfig && !nodeName) return undefined;
  if (!kubeconfig || !nodeName) throw new Error('node mode needs both LTTLE_KUBECONFIG and LTTLE_NODE_NAME');
  const target = kubeconfig === 'in-cluster' ? inClusterTarget() : readKubeconfig(kubeconfig, process.env.LTTLE_KUBE_CONTEXT);
  const maxApps = Number(process.env.LTTLE_NODE_MAX_APPS ?? 1000);
  const client = new KubeClient(target.endpoint);
  const address = process.env.LTTLE_NODE_ADDRESS ?? '127.0.0.1';
  // The agent's API (LTTLE_LISTEN, checked with its token by the daemon): moves and the CLI's logs and exec reach it.
  const listen = process.env.LTTLE_LISTEN;
  const token = process.env.LTTLE_TOKEN;
  const api = listen && token ? { url: `http://${address}:${listen.split(':')[1]}`, token } : undefined;
  if (api) await publishAgentToken(client, api.token, deps.log);
  const agent = new NodeAgent(
    client,
    nodeName,
    {
      applyVolume: async (spec) => void (await deps.volumes.apply(spec)),
      applyApp: async (spec) => void (await deps.apps.apply(spec, false)),
      deleteApp: (namespace, name) => deps.apps.delete(namespace, name),
      apps: () => deps.apps.list(),
      deleteVolume: (namespace, name) => deps.volumes.delete(namespace, name),
      volumes: () => deps.volumes.list(),
      setRemoteServices: (apps) => deps.apps.setRemoteServices(apps),
      moves: deps.moves,
    },
    deps.log,
    hostCapacity(deps.home, maxApps),
    address,
    api,
  );
  await agent.start();
  return agent;
}
