// The provider block: where the runtime is and how to authenticate: one
// lttled (host, token), or a Kubernetes cluster (kubeconfig, context). Checked
// at validate/plan time so a typo fails before anything is applied.
import { targetProblems } from '../../../runtime/src/client/connect';
import { CLUSTER_TARGET_DOCS } from '../cluster-target';
import type { CtyObject } from './cty';
import { attr, error, type Diagnostic } from './diagnostics';
import type { BlockSchema } from './schema';

export const providerSchema: BlockSchema = {
  version: 0,
  description: 'lttle: apps in QEMU microVMs with flash mode.',
  attributes: [
    {
      name: 'host',
      type: 'string',
      optional: true,
      description:
        'Runtime address: `unix:///path/lttled.sock` or `http://HOST:PORT` (env `LTTLE_HOST`; default: the local daemon on `$LTTLE_HOME/lttled.sock`, started when needed).',
    },
    {
      name: 'token',
      type: 'string',
      optional: true,
      sensitive: true,
      description: 'Bearer token for TCP hosts (env `LTTLE_TOKEN`).',
    },
    {
      name: 'kubeconfig',
      type: 'string',
      optional: true,
      description: CLUSTER_TARGET_DOCS.kubeconfig,
    },
    {
      name: 'context',
      type: 'string',
      optional: true,
      description: CLUSTER_TARGET_DOCS.context,
    },
  ],
};

/** Diagnostics for known values only: unknown ones (from other resources) are checked when the provider is configured. */
export function validateProviderConfig(config: CtyObject): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const { host, token } = config;
  if (typeof host === 'string' && !validHost(host))
    diagnostics.push(
      error(
        'Invalid provider configuration',
        `host must be unix:///path/to/lttled.sock, a socket path or http://HOST:PORT (got ${JSON.stringify(host)}); leave it out for the local daemon`,
        attr('host'),
      ),
    );
  // The value itself is never shown: it is a secret.
  if (typeof token === 'string' && token.trim() === '')
    diagnostics.push(error('Invalid provider configuration', 'token must not be empty; leave it out when the host needs none', attr('token')));
  // Only known values: one from another resource is checked when the provider is configured.
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const target = { host: text(host), token: text(token), kubeconfig: text(config.kubeconfig), context: text(config.context) };
  for (const p of targetProblems(target)) diagnostics.push(error('Invalid provider configuration', p.message, attr(p.attribute)));
  return diagnostics;
}

/** What the runtime client accepts: empty (the local daemon), a socket path, unix:// or http://. */
function validHost(host: string): boolean {
  if (host === '' || /^(unix:\/\/)?\/\S+$/.test(host)) return true;
  try {
    const url = new URL(host);
    return url.protocol === 'http:' && url.hostname !== '';
  } catch {
    return false;
  }
}
