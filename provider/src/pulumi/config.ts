// Provider configuration: `host` and `token` (pulumi config lttle:host /
// lttle:token, or provider args), falling back to LTTLE_HOST / LTTLE_TOKEN,
// then to the local daemon (started on first use, never during preview); or
// `kubeconfig` (and `context`): the custom resources of a Kubernetes cluster.
import type { RuntimeApi } from '../../../runtime/src/client/api';
import { connectRuntime, targetProblems } from '../../../runtime/src/client/connect';
import type { PropertyFailure } from './properties';
import { getPath, wrapSecrets, type Decoded, type JsonObject } from './values';

export interface ProviderConfig {
  host?: string;
  token?: string;
  kubeconfig?: string;
  context?: string;
}

/** Provider inputs the engine adds itself; accepted and ignored. */
const ENGINE_KEYS = new Set(['version', 'pluginDownloadURL']);
const KEYS = ['host', 'token', 'kubeconfig', 'context'] as const;
type Key = (typeof KEYS)[number];
const isKey = (key: string): key is Key => (KEYS as readonly string[]).includes(key);

/** Configure's `variables` map: keys `lttle:config:host` (or `lttle:host`), values as strings. */
export function configFromVariables(variables: Map<string, string> | [string, string][]): ProviderConfig {
  const out: ProviderConfig = {};
  for (const [key, value] of variables instanceof Map ? variables.entries() : variables) {
    const short = key.replace(/^lttle:(config:)?/, '');
    if (isKey(short)) out[short] = value;
  }
  return out;
}

/** Provider args as a Struct (newer engines): secrets unwrapped. */
export function configFromArgs(args: Decoded): ProviderConfig {
  const out: ProviderConfig = {};
  for (const key of KEYS) {
    const v = getPath(args.value, [key]);
    if (typeof v === 'string' && v !== '') out[key] = v;
  }
  return out;
}

/** CheckConfig: the host must be a form the client understands; the token is always a secret. */
export function checkConfig(news: Decoded): { inputs: JsonObject; failures: PropertyFailure[] } {
  const failures: PropertyFailure[] = [];
  for (const [key, value] of Object.entries(news.value)) {
    if (ENGINE_KEYS.has(key)) continue;
    if (!isKey(key)) {
      failures.push({ property: key, reason: `${key} is not a configuration key of lttle (known: ${KEYS.join(', ')})` });
      continue;
    }
    if (news.unknowns.some((u) => u[0] === key)) continue;
    if (value !== null && typeof value !== 'string') failures.push({ property: key, reason: `${key} must be a string` });
  }
  const host = news.value.host;
  if (typeof host === 'string' && host && !news.unknowns.some((u) => u[0] === 'host')) {
    const reason = hostProblem(host);
    if (reason) failures.push({ property: 'host', reason: `host ${reason}` });
  }
  // Both kinds of runtime at once, or a kubeconfig file or context that is not there, fail the preview.
  const known = (key: Key): string | undefined => {
    const v = news.value[key];
    return typeof v === 'string' && v !== '' && !news.unknowns.some((u) => u[0] === key) ? v : undefined;
  };
  const unknownTarget = news.unknowns.some((u) => ['host', 'token', 'kubeconfig', 'context'].includes(String(u[0])));
  if (!unknownTarget)
    for (const p of targetProblems({ host: known('host'), token: known('token'), kubeconfig: known('kubeconfig'), context: known('context') }))
      failures.push({ property: p.attribute, reason: p.message });
  const secrets = [...news.secrets];
  if (news.value.token !== undefined) secrets.push(['token']);
  return { inputs: wrapSecrets(news.value, secrets), failures };
}

function hostProblem(host: string): string | undefined {
  if (host.startsWith('unix://')) return host.length > 'unix://'.length ? undefined : 'must name a socket path after unix://';
  if (host.startsWith('/')) return undefined;
  if (host.startsWith('http://')) {
    try {
      new URL(host);
      return undefined;
    } catch {
      return 'is not a valid http:// URL';
    }
  }
  return `must be unix:///path/to/lttled.sock, an absolute socket path, or http://HOST:PORT (got "${host}")`;
}

/** Changes of the target update the provider in place: resources are not replaced, the next call just goes elsewhere. */
export function diffConfig(olds: Decoded, news: Decoded): string[] {
  const changed: string[] = [];
  for (const key of KEYS) {
    const a = olds.value[key] ?? null;
    const b = news.value[key] ?? null;
    if (a !== b || news.unknowns.some((u) => u[0] === key)) changed.push(key);
  }
  return changed;
}

/** The runtime (lttled or a cluster); constructing it does not connect (preview must not touch the runtime). */
export function clientFor(config: ProviderConfig, env: NodeJS.ProcessEnv = process.env): RuntimeApi {
  return connectRuntime(config, env);
}
