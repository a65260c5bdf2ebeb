// `lttle volume snapshot create|list|restore|rm`: points a volume can be rolled back to.
import { formatSize } from '../../../../schema/src/size';
import type { CommandSpec } from '../args';
import { CliError, namespaceOf, type CommandContext } from '../context';
import { render, table } from '../output';
import { NAMESPACE_ALIAS, NS, OUTPUT, YES } from './common-options';

export const volumeSnapshotCreate: CommandSpec = {
  path: 'volume snapshot create',
  usage: 'lttle volume snapshot create [--ns NS] VOLUME SNAPSHOT [--output json|yaml]',
  summary: 'Freeze the volume as it is now, without copying it; its app keeps running.',
  options: [NS, NAMESPACE_ALIAS, OUTPUT],
  positionals: { min: 2, max: 2 },
};

export const volumeSnapshotList: CommandSpec = {
  path: 'volume snapshot list',
  aliases: ['volume snapshot ls'],
  usage: 'lttle volume snapshot list [--ns NS] VOLUME [--output json|yaml]',
  summary: "List a volume's snapshots.",
  options: [NS, NAMESPACE_ALIAS, OUTPUT],
  positionals: { min: 1, max: 1 },
};

export const volumeSnapshotRestore: CommandSpec = {
  path: 'volume snapshot restore',
  usage: 'lttle volume snapshot restore [--ns NS] VOLUME SNAPSHOT [-y]',
  summary: 'Put the volume back to a snapshot (what was written since is lost). Needs its app deleted or deep-suspended.',
  options: [NS, NAMESPACE_ALIAS, YES],
  positionals: { min: 2, max: 2 },
};

export const volumeSnapshotDelete: CommandSpec = {
  path: 'volume snapshot rm',
  aliases: ['volume snapshot delete'],
  usage: 'lttle volume snapshot rm [--ns NS] VOLUME SNAPSHOT',
  summary: 'Delete a snapshot (the volume is unchanged).',
  options: [NS, NAMESPACE_ALIAS],
  positionals: { min: 2, max: 2 },
};

export async function runVolumeSnapshotCreate(ctx: CommandContext): Promise<void> {
  const [volume, name] = ctx.args.positionals;
  const snapshot = await ctx.client.createVolumeSnapshot(namespaceOf(ctx.args), volume, name);
  ctx.out(ctx.format === 'text' ? `Snapshot '${name}' of volume '${volume}' has been taken.` : render(snapshot, ctx.format));
}

export async function runVolumeSnapshotList(ctx: CommandContext): Promise<void> {
  const snapshots = await ctx.client.listVolumeSnapshots(namespaceOf(ctx.args), ctx.args.positionals[0]);
  if (ctx.format !== 'text') return ctx.out(render(snapshots, ctx.format));
  if (!snapshots.length) return ctx.out('No snapshots.');
  ctx.out(
    table(
      ['NAME', 'VOLUME', 'SIZE', 'CREATED'],
      snapshots.map((s) => [s.name, `${s.namespace}/${s.volume}`, formatSize(s.size), s.createdAt]),
    ),
  );
}

export async function runVolumeSnapshotRestore(ctx: CommandContext): Promise<void> {
  const ns = namespaceOf(ctx.args);
  const [volume, name] = ctx.args.positionals;
  if (!ctx.args.flags.yes && !(await ctx.confirm(`Restore volume ${ns}/${volume} to snapshot ${name}? What was written since is lost.`))) {
    throw new CliError('not restored (confirm on a terminal, or pass -y)');
  }
  await ctx.client.restoreVolumeSnapshot(ns, volume, name);
  ctx.out(`Volume '${volume}' has been restored to snapshot '${name}'.`);
}

export async function runVolumeSnapshotDelete(ctx: CommandContext): Promise<void> {
  const [volume, name] = ctx.args.positionals;
  if (!(await ctx.client.deleteVolumeSnapshot(namespaceOf(ctx.args), volume, name))) {
    throw new CliError(`volume ${volume} has no snapshot ${name}`);
  }
  ctx.out(`Snapshot '${name}' of volume '${volume}' has been deleted.`);
}
