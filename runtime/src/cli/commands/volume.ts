import { formatSize } from '../../../../schema/src/size';
import type { VolumeStatus, VolumeUsageStatus } from '../../../../schema/src/types';
import type { CommandSpec } from '../args';
import { CliError, namespaceOf, type CommandContext } from '../context';
import { keyValues, render, table } from '../output';
import { notFoundMessage } from '../not-found';
import { NAMESPACE_ALIAS, NS, OUTPUT, YES } from './common-options';

export const volumeGet: CommandSpec = {
  path: 'volume get',
  usage: 'lttle volume get [--ns NS] NAME [--output json|yaml]',
  summary: 'Show one volume.',
  options: [NS, NAMESPACE_ALIAS, OUTPUT],
  positionals: { min: 1, max: 1 },
};

export const volumeList: CommandSpec = {
  path: 'volume list',
  aliases: ['volume ls'],
  usage: 'lttle volume list [--ns NS | --all] [--output json|yaml]',
  summary: 'List volumes.',
  options: [NS, NAMESPACE_ALIAS, { name: 'all', short: 'A', help: 'all namespaces' }, OUTPUT],
  positionals: { min: 0, max: 0 },
};

export const volumeDelete: CommandSpec = {
  path: 'volume rm',
  aliases: ['volume delete'],
  usage: 'lttle volume rm [--ns NS] NAME [-y]',
  summary: 'Delete a volume and its data. Refused while an app mounts it.',
  options: [NS, NAMESPACE_ALIAS, YES],
  positionals: { min: 1, max: 1 },
};

/** The guest's df of a mounted volume, with the nearly-full warning. */
export function describeUsage(u: VolumeUsageStatus): string {
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  const size = `${mib(u.totalBytes)} (${u.totalBytes} bytes), ${mib(u.usedBytes)} used, ${mib(u.availableBytes)} free`;
  return u.warning ? `${size} — WARNING: ${u.warning}` : size;
}

export function describeVolume(v: VolumeStatus): string {
  return keyValues([
    ['name', v.spec.name],
    ['namespace', v.spec.namespace],
    ['mode', v.spec.mode],
    ['size', `${formatSize(v.spec.size)} (${v.sizeBytes} bytes of ext4)`],
    ['state', v.message ? `${v.state}: ${v.message}` : v.state],
    ['attached to', v.attachedTo ?? '-'],
    ...(v.usage ? ([['in the guest', describeUsage(v.usage)]] as [string, string][]) : []),
    ['created', v.createdAt],
  ]);
}

async function volumeNotFound(ctx: CommandContext, ns: string, name: string): Promise<string> {
  const volumes = await ctx.client.listVolumes();
  return notFoundMessage(
    'volume',
    ns,
    name,
    volumes.map((v) => v.spec),
  );
}

export async function runVolumeGet(ctx: CommandContext): Promise<void> {
  const ns = namespaceOf(ctx.args);
  const name = ctx.args.positionals[0];
  const volume = await ctx.client.getVolume(ns, name);
  if (!volume) throw new CliError(await volumeNotFound(ctx, ns, name));
  ctx.out(ctx.format === 'text' ? describeVolume(volume) : render(volume, ctx.format));
}

export async function runVolumeList(ctx: CommandContext): Promise<void> {
  const volumes = await ctx.client.listVolumes(ctx.args.flags.all ? undefined : namespaceOf(ctx.args));
  if (ctx.format !== 'text') return ctx.out(render(volumes, ctx.format));
  if (!volumes.length) return ctx.out('No volumes.');
  ctx.out(
    table(
      ['NAMESPACE', 'NAME', 'MODE', 'SIZE', 'STATE', 'ATTACHED TO'],
      volumes.map((v) => [v.spec.namespace, v.spec.name, v.spec.mode, formatSize(v.spec.size), v.state, v.attachedTo ?? '-']),
    ),
  );
}

export async function runVolumeDelete(ctx: CommandContext): Promise<void> {
  const ns = namespaceOf(ctx.args);
  const name = ctx.args.positionals[0];
  if (!ctx.args.flags.yes && !(await ctx.confirm(`Delete volume ${ns}/${name} and all its data?`))) {
    throw new CliError('not deleted (confirm on a terminal, or pass -y)');
  }
  if (!(await ctx.client.deleteVolume(ns, name))) throw new CliError(await volumeNotFound(ctx, ns, name));
  ctx.out(`Volume '${name}' has been deleted.`);
}
