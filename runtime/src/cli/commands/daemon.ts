import { RuntimeClient } from '../../client/client';
import { UnreachableError } from '../../../../schema/src/errors';
import type { CommandSpec } from '../args';
import { CliError, type CommandContext } from '../context';
import { keyValues, render } from '../output';
import { OUTPUT } from './common-options';

export const daemonStatus: CommandSpec = {
  path: 'daemon status',
  usage: 'lttle daemon status [--output json|yaml]',
  summary: 'Say whether lttled runs for this LTTLE_HOME (does not start it).',
  options: [OUTPUT],
  positionals: { min: 0, max: 0 },
};

export const daemonStop: CommandSpec = {
  path: 'daemon stop',
  usage: 'lttle daemon stop',
  summary:
    'Stop lttled. Suspended machines keep their snapshots, but their services refuse connections until lttled runs again: the next lttle command (or `lttle daemon start`) starts it, a client such as psql does not.',
  options: [],
  positionals: { min: 0, max: 0 },
};

export const daemonStart: CommandSpec = {
  path: 'daemon start',
  usage: 'lttle daemon start',
  summary: 'Start lttled in the background if it is not running (every command does this by itself).',
  options: [],
  positionals: { min: 0, max: 0 },
};

async function probe(): Promise<{ client: RuntimeClient; health?: Awaited<ReturnType<RuntimeClient['health']>> }> {
  const client = new RuntimeClient({ autostart: false });
  try {
    return { client, health: await client.health() };
  } catch (err) {
    if (err instanceof UnreachableError) return { client };
    throw err;
  }
}

export async function runDaemonStatus(ctx: CommandContext): Promise<void> {
  const { client, health } = await probe();
  if (ctx.format !== 'text') return ctx.out(render(health ? { running: true, ...health } : { running: false, target: client.target }, ctx.format));
  if (!health) throw new CliError(`lttled is not running (${client.target})`, 3);
  ctx.out(
    keyValues([
      ['lttled', 'running'],
      ['pid', String(health.pid)],
      ['version', health.version],
      ['home', health.home],
      ['accelerator', health.accel],
      ['socket', client.target],
    ]),
  );
}

export async function runDaemonStop(ctx: CommandContext): Promise<void> {
  const { client, health } = await probe();
  if (!health) return ctx.out('lttled is not running.');
  await client.request('POST', '/v1/shutdown');
  ctx.out(`lttled (pid ${health.pid}) stopped.`);
}

export async function runDaemonStart(ctx: CommandContext): Promise<void> {
  const health = await ctx.client.health();
  ctx.out(`lttled is running (pid ${health.pid}).`);
}
