// Provider configuration: `host` and `token` (pulumi config lttle:host /
// lttle:token, or provider args), falling back to LTTLE_HOST / LTTLE_TOKEN,
// then to the local daemon (started on first use, never during preview).
import { RuntimeClient } from '../../../runtime/src/client/client';
import type { PropertyFailure } from './properties';
import { getPath, wrapSecrets, type Decoded, type JsonObject } from './values';

export interface ProviderConfig {
  host?: string;
  token?: string;
}

/** Provider inputs the engine adds itself; accepted and ignored. */
const ENGINE_KEYS = new Set(['version', 'pluginDownloadURL']);
const KEYS = new Set(['host', 'token']);

/** Configure's `variables` map: keys `lttle:config:host` (or `lttle:host`), values as strings. */
export function configFromVariables(variables: Map<string, string> | [string, string][]): ProviderConfig {
  const out: ProviderConfig = {};
  for (const [key, value] of variables instanceof Map ? variables.entries() : variables) {
    const short = key.replace(/^lttle:(config:)?/, '');
    if (short === 'host' || short === 'token') out[short] = value;
  }
  return out;
}

/** Provider args as a Struct (newer engines): secrets unwrapped. */
export function configFromArgs(args: Decoded): ProviderConfig {
  const out: ProviderConfig = {};
  for (const key of ['host', 'token'] as const) {
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
    if (!KEYS.has(key)) {
      failures.push({ property: key, reason: `${key} is not a configuration key of lttle (known: host, token)` });
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

/** Changes to host/token update the provider in place: resources are not replaced, the next call just goes elsewhere. */
export function diffConfig(olds: Decoded, news: Decoded): string[] {
  const changed: string[] = [];
  for (const key of ['host', 'token']) {
    const a = olds.value[key] ?? null;
    const b = news.value[key] ?? null;
    if (a !== b || news.unknowns.some((u) => u[0] === key)) changed.push(key);
  }
  return changed;
}

/** The runtime client; constructing it does not connect (preview must not touch the runtime). */
export function clientFor(config: ProviderConfig, env: NodeJS.ProcessEnv = process.env): RuntimeClient {
  return new RuntimeClient({ host: config.host, token: config.token, env });
}
