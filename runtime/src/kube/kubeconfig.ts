// Reads the cluster, credentials and namespace a kubeconfig names (the
// current context, or one asked for), the way kubectl does for the fields
// lttle supports: a server with its CA, and a bearer token or a client
// certificate. Exec plugins and auth providers are refused with a clear error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { KubeEndpoint } from './kube-client';

interface Named<T> {
  name: string;
  [key: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

interface Kubeconfig {
  clusters?: Named<{ server?: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string }>[];
  users?: Named<{
    token?: string;
    tokenFile?: string;
    'client-certificate'?: string;
    'client-certificate-data'?: string;
    'client-key'?: string;
    'client-key-data'?: string;
    exec?: unknown;
    'auth-provider'?: unknown;
  }>[];
  contexts?: Named<{ cluster: string; user: string; namespace?: string }>[];
  'current-context'?: string;
}

export interface KubeTarget {
  endpoint: KubeEndpoint;
  namespace: string;
}

export function readKubeconfig(file: string, contextName?: string): KubeTarget {
  const dir = path.dirname(file);
  const fileOrData = (f: string | undefined, data: string | undefined): string | undefined =>
    data ? Buffer.from(data, 'base64').toString() : f ? fs.readFileSync(path.resolve(dir, f), 'utf8') : undefined;
  let config: Kubeconfig;
  try {
    config = parse(fs.readFileSync(file, 'utf8')) as Kubeconfig;
  } catch (err) {
    throw new Error(`kubeconfig ${file}: ${(err as Error).message}`);
  }
  const name = contextName ?? config['current-context'];
  const context = config.contexts?.find((c) => c.name === name)?.context;
  if (!context)
    throw new Error(`kubeconfig ${file}: no context ${JSON.stringify(name)} (contexts: ${(config.contexts ?? []).map((c) => c.name).join(', ') || 'none'})`);
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster?.server) throw new Error(`kubeconfig ${file}: context ${name} names cluster ${context.cluster}, which has no server`);
  const user = config.users?.find((u) => u.name === context.user)?.user ?? {};
  if (user.exec || user['auth-provider'])
    throw new Error(
      `kubeconfig ${file}: user ${context.user} authenticates with an exec plugin or auth provider, which lttle does not run; use a token or a client certificate`,
    );
  const token = user.token ?? (user.tokenFile ? fs.readFileSync(path.resolve(dir, user.tokenFile), 'utf8').trim() : undefined);
  return {
    endpoint: {
      server: cluster.server,
      ca: fileOrData(cluster['certificate-authority'], cluster['certificate-authority-data']),
      token,
      cert: fileOrData(user['client-certificate'], user['client-certificate-data']),
      key: fileOrData(user['client-key'], user['client-key-data']),
    },
    namespace: context.namespace ?? 'default',
  };
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Inside a Pod (the node agent's DaemonSet): the service account's token and CA, and the API server's service address. */
export function inClusterTarget(env: NodeJS.ProcessEnv = process.env): KubeTarget {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new Error('LTTLE_KUBECONFIG=in-cluster, but KUBERNETES_SERVICE_HOST is not set: not running in a Pod');
  return {
    endpoint: {
      server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
      ca: fs.readFileSync(path.join(SERVICE_ACCOUNT, 'ca.crt'), 'utf8'),
      token: fs.readFileSync(path.join(SERVICE_ACCOUNT, 'token'), 'utf8').trim(),
    },
    namespace: fs.readFileSync(path.join(SERVICE_ACCOUNT, 'namespace'), 'utf8').trim(),
  };
}
