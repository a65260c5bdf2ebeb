import type { AppStatus } from '../../../../schema/src/types';
import type { CommandSpec } from '../args';
import { CliError, namespaceOf, type CommandContext } from '../context';
import { keyValues, render } from '../output';
import { appNotFound } from './app';
import { KUBE_CONTEXT, KUBECONFIG, NAMESPACE_ALIAS, NS, OUTPUT } from './common-options';

export const machineLogs: CommandSpec = {
  path: 'machine logs',
  usage: 'lttle machine logs [--ns NS] NAME [--follow] [--tail N] [--timestamps] [--kubeconfig FILE [--context NAME]]',
  summary: "Print the app's own output (stdout and stderr of its process) and the runtime's lines about it. NAME may be an app name or its unique prefix.",
  options: [
    NS,
    NAMESPACE_ALIAS,
    { name: 'follow', short: 'f', help: 'keep printing new lines' },
    { name: 'tail', value: 'N', help: 'only the last N lines' },
    { name: 'timestamps', help: 'prefix each line with its time' },
    KUBECONFIG,
    KUBE_CONTEXT,
  ],
  positionals: { min: 1, max: 1 },
};

export const machineSuspend: CommandSpec = {
  path: 'machine suspend',
  usage: 'lttle machine suspend [--ns NS] NAME [--output json|yaml] [--kubeconfig FILE [--context NAME]]',
  summary: 'Suspend a flash-mode machine now (pause its vCPUs; the next connection resumes it).',
  options: [NS, NAMESPACE_ALIAS, OUTPUT, KUBECONFIG, KUBE_CONTEXT],
  positionals: { min: 1, max: 1 },
};

export const machineResume: CommandSpec = {
  path: 'machine resume',
  usage: 'lttle machine resume [--ns NS] NAME [--output json|yaml] [--kubeconfig FILE [--context NAME]]',
  summary: 'Resume a suspended machine now; it suspends again after its timeout without connections.',
  options: [NS, NAMESPACE_ALIAS, OUTPUT, KUBECONFIG, KUBE_CONTEXT],
  positionals: { min: 1, max: 1 },
};

/** A machine is named after its app; a unique prefix is enough (`postgres` for `postgresql`). */
export async function resolveMachine(ctx: CommandContext): Promise<AppStatus> {
  const ns = namespaceOf(ctx.args);
  const name = ctx.args.positionals[0];
  const exact = await ctx.client.getApp(ns, name);
  if (exact) return exact;
  const matches = (await ctx.client.listApps(ns)).filter((a) => a.spec.name.startsWith(name));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) throw new CliError(`"${name}" matches several machines in ${ns}: ${matches.map((m) => m.spec.name).join(', ')}`);
  throw new CliError(await appNotFound(ctx, ns, name, 'machine'));
}

export async function runMachineLogs(ctx: CommandContext): Promise<void> {
  const app = await resolveMachine(ctx);
  const tailRaw = ctx.args.values.tail?.[0];
  const tail = tailRaw === undefined ? undefined : Number(tailRaw);
  if (tail !== undefined && !(Number.isInteger(tail) && tail >= 0)) throw new CliError('--tail must be a whole number', 2);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    await ctx.client.logs(app.spec.namespace, app.spec.name, { follow: Boolean(ctx.args.flags.follow), tail, signal: controller.signal }, (l) => {
      ctx.out(ctx.args.flags.timestamps ? `${l.time} ${l.line}` : l.line);
    });
  } finally {
    process.off('SIGINT', stop);
  }
}

async function transition(ctx: CommandContext, action: 'suspend' | 'resume'): Promise<void> {
  const app = await resolveMachine(ctx);
  const status =
    action === 'suspend' ? await ctx.client.suspendApp(app.spec.namespace, app.spec.name) : await ctx.client.resumeApp(app.spec.namespace, app.spec.name);
  ctx.out(
    ctx.format === 'text'
      ? keyValues([
          ['machine', `${status.spec.namespace}/${status.spec.name}`],
          ['state', status.state],
        ])
      : render(status, ctx.format),
  );
}

export const runMachineSuspend = (ctx: CommandContext) => transition(ctx, 'suspend');
export const runMachineResume = (ctx: CommandContext) => transition(ctx, 'resume');
