// `lttle app fork`: a new app from a suspended one, its volumes branched and its memory copied.
import type { CommandSpec } from '../args';
import { CliError, namespaceOf, type CommandContext } from '../context';
import { NAMESPACE_ALIAS, NS } from './common-options';

export const appFork: CommandSpec = {
  path: 'app fork',
  usage: 'lttle app fork [--ns NS] SOURCE --to NAME [--env KEY=VALUE]...',
  summary:
    'Create app NAME from the flash-mode app SOURCE as it is now: copy-on-write branches of its volumes, a copy of its suspended memory. --env sets values that differ (POSTGRES_PASSWORD is applied to the running database).',
  options: [
    NS,
    NAMESPACE_ALIAS,
    { name: 'to', value: 'NAME', help: "the fork's name (same namespace)" },
    { name: 'env', short: 'e', value: 'KEY=VALUE', repeat: true, help: 'an environment value of the fork' },
  ],
  positionals: { min: 1, max: 1 },
};

export async function runAppFork(ctx: CommandContext): Promise<void> {
  const to = ctx.args.values.to?.[0];
  if (!to) throw new CliError('app fork needs --to NAME', 2);
  const environment: Record<string, string> = {};
  for (const pair of ctx.args.values.env ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--env ${pair.split('=')[0]}: expected KEY=VALUE`, 2);
    environment[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const source = ctx.args.positionals[0];
  const status = await ctx.client.forkApp(namespaceOf(ctx.args), source, { to, environment });
  ctx.out(`App '${to}' has been forked from '${source}' (${status.state}); its service: ${status.services.map((s) => s.hostAddress).join(', ') || 'none'}`);
}
