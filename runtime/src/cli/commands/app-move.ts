// `lttle app move --to HOST` on a cluster: asks the node agent of the app's host
// to move it, with its volumes and memory snapshot (kube/app-mover.ts), and waits
// until the app is deep-suspended on the target host.
import { MOVE_ANNOTATION, MOVE_ASKED_ANNOTATION } from '../../kube/app-mover';
import type { CommandSpec } from '../args';
import { CliError, namespaceOf, type CommandContext } from '../context';
import { keyValues, render } from '../output';
import { clusterOf } from './cluster-apps';
import { KUBE_CONTEXT, KUBECONFIG, NAMESPACE_ALIAS, NS, OUTPUT } from './common-options';

export const appMove: CommandSpec = {
  path: 'app move',
  usage: 'lttle app move [--ns NS] NAME --to HOST --kubeconfig FILE [--context NAME] [--timeout SECONDS] [--output json|yaml]',
  summary:
    'Move a flash-mode app of a cluster, with its volumes and its memory snapshot, to the host HOST: it is deep-suspended where it runs, sent, and wakes there on its next connection with every row.',
  options: [
    NS,
    NAMESPACE_ALIAS,
    { name: 'to', value: 'HOST', help: 'the node to move it to' },
    { name: 'timeout', value: 'SECONDS', help: 'how long to wait for the move (default 300)' },
    KUBECONFIG,
    KUBE_CONTEXT,
    OUTPUT,
  ],
  positionals: { min: 1, max: 1 },
};

const ARRIVED = new Set(['suspended', 'deep-suspended', 'ready']);

export async function runAppMove(ctx: CommandContext): Promise<void> {
  if (!ctx.args.values.kubeconfig) throw new CliError('app move moves an app between the hosts of a cluster: give --kubeconfig FILE', 2);
  const to = ctx.args.values.to?.[0];
  if (!to) throw new CliError('app move needs --to HOST', 2);
  const timeoutMs = Number(ctx.args.values.timeout?.[0] ?? 300) * 1000;
  if (!(timeoutMs > 0)) throw new CliError('--timeout must be a positive number of seconds', 2);
  const ns = namespaceOf(ctx.args);
  const name = ctx.args.positionals[0];
  const kube = clusterOf(ctx);
  const before = await kube.getApp(ns, name);
  if (!before) throw new CliError(`app ${ns}/${name} not found in the cluster`);
  const node = await kube.client.request('GET', `/api/v1/nodes/${encodeURIComponent(to)}`);
  if (node.status === 404) throw new CliError(`--to: host ${to} is not a node of this cluster`, 2);
  const asked = new Date().toISOString();
  await kube.client.call('PATCH', `/apis/lttle.dev/v1alpha1/namespaces/${ns}/apps/${name}`, {
    metadata: { annotations: { [MOVE_ANNOTATION]: to, [MOVE_ASKED_ANNOTATION]: asked } },
  });
  if (ctx.format === 'text' && before.status?.host !== to) ctx.err(`moving ${ns}/${name} from ${before.status?.host ?? 'no host'} to ${to}…`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const app = await kube.getApp(ns, name);
    const status = app?.status;
    // A refusal of this ask (an earlier one's may still be in the status).
    const refused = status?.conditions?.find((c) => c.type === 'Moved' && c.status === 'False' && c.message.endsWith(`(asked ${asked})`));
    if (refused) throw new CliError(`app ${ns}/${name}: ${refused.message}`);
    if (status?.host === to && status.state && ARRIVED.has(status.state)) {
      if (ctx.format !== 'text') return ctx.out(render({ namespace: ns, name, host: to, state: status.state, endpoint: status.endpoint }, ctx.format));
      return ctx.out(
        keyValues([
          ['moved', `${ns}/${name}`],
          ['host', to],
          ['state', status.state],
          ['endpoint', status.endpoint ?? '-'],
        ]),
      );
    }
    if (Date.now() > deadline)
      throw new CliError(
        `app ${ns}/${name} is not on ${to} after ${timeoutMs / 1000} s (${status?.state ?? 'no status'} on ${status?.host ?? 'no host'}${status?.message ? `: ${status.message}` : ''})`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}
