import { deepSuspendAfter, strategyName } from '../../../../schema/src/normalize';
import type { AppStatus, FlashStats } from '../../../../schema/src/types';
import type { CommandSpec } from '../args';
import { CliError, namespaceOf, type CommandContext } from '../context';
import { keyValues, maskEnvironment, render, table } from '../output';
import { KUBE_CONTEXT, KUBECONFIG, NAMESPACE_ALIAS, NS, OUTPUT, YES } from './common-options';
import { runAppGetInCluster, runAppListInCluster } from './cluster-apps';
import { describeUsage } from './volume';
import { notFoundMessage } from '../not-found';

const SHOW_SECRETS = { name: 'show-secrets', help: 'show secret environment values instead of ********' };

export const appGet: CommandSpec = {
  path: 'app get',
  usage: 'lttle app get [--ns NS] NAME [--output json|yaml] [--show-secrets] [--kubeconfig FILE [--context NAME]]',
  summary: 'Show one app: its spec, machine state and service addresses.',
  options: [NS, NAMESPACE_ALIAS, OUTPUT, SHOW_SECRETS, KUBECONFIG, KUBE_CONTEXT],
  positionals: { min: 1, max: 1 },
};

export const appList: CommandSpec = {
  path: 'app list',
  aliases: ['app ls'],
  usage: 'lttle app list [--ns NS | --all] [--output json|yaml] [--kubeconfig FILE [--context NAME]]',
  summary: 'List apps.',
  options: [NS, NAMESPACE_ALIAS, { name: 'all', short: 'A', help: 'all namespaces' }, OUTPUT, KUBECONFIG, KUBE_CONTEXT],
  positionals: { min: 0, max: 0 },
};

export const appDelete: CommandSpec = {
  path: 'app delete',
  aliases: ['app rm'],
  usage: 'lttle app delete [--ns NS] NAME [-y]',
  summary: 'Delete an app: stops its machine and removes its disk overlay. Its volumes are kept.',
  options: [NS, NAMESPACE_ALIAS, YES],
  positionals: { min: 1, max: 1 },
};

function hidden(status: AppStatus, reveal: boolean): AppStatus {
  if (reveal) return status;
  const environment = Object.fromEntries(Object.keys(status.spec.environment).map((k) => [k, '********']));
  return { ...status, spec: { ...status.spec, environment } };
}

function stateText(app: AppStatus): string {
  const tier = app.flash?.deep ? ' (deep)' : app.flash?.pagedOutSince ? ' (paged out)' : '';
  const state = app.state === 'suspended' ? `suspended${tier}` : app.state;
  return app.message ? `${state} (${app.message})` : state;
}

/** Deep suspend, resumes per kind, a failed suspend and what keeps the app awake now. */
function flashRows(flash: FlashStats, state: AppStatus['state']): [string, string | string[]][] {
  const rows: [string, string | string[]][] = [];
  if (flash.suspendedSince) rows.push(['suspended since', flash.suspendedSince]);
  if (state === 'suspended' && !flash.deep && flash.pagedOutSince && flash.pagedOut) {
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    const { residentBeforeBytes: before, residentAfterBytes: after } = flash.pagedOut;
    rows.push(['paged out since', `${flash.pagedOutSince} (guest RAM resident ${mib(before)} → ${mib(after)}; QEMU kept)`]);
  }
  if (flash.deepSince) rows.push(['deep since', `${flash.deepSince}${flash.deepReason ? ` (${flash.deepReason})` : ''}`]);
  if (flash.snapshotBytes !== undefined) {
    const shared = flash.sharedMemoryBytes ? ` (${(flash.sharedMemoryBytes / 2 ** 20).toFixed(1)} MiB of it kept once with the image's other apps)` : '';
    rows.push(['snapshot on disk', `${(flash.snapshotBytes / 2 ** 20).toFixed(1)} MiB${shared}`]);
  }
  const kinds = Object.entries(flash.resumes ?? {}).map(([kind, r]) => `${kind}: ${r.count} (last ${r.lastLatencyMs.toFixed(1)} ms at ${r.lastAt})`);
  if (kinds.length) rows.push(['resumes by kind', kinds]);
  if (flash.lastSuspendError) {
    const e = flash.lastSuspendError;
    rows.push(['suspend error', `${e.at}: ${e.message} (retry in ${e.retryInSeconds}s)`]);
  }
  const awake = flash.awake;
  if (awake) {
    const why = awake.connections.map(
      (c) =>
        `connection from ${c.client} to ${c.service} (idle ${c.idleSeconds}s${c.counted ? '' : ', not counted'}${c.clientClosed ? ', closed by the client' : ''})`,
    );
    if (awake.locksHeld) why.push(`${awake.locksHeld} flash lock${awake.locksHeld > 1 ? 's' : ''} held`);
    if (awake.holds) why.push(`${awake.holds} exec session${awake.holds > 1 ? 's' : ''}`);
    rows.push(['kept awake by', why.length ? why : ['nothing']]);
    if (awake.lastTrafficAt) rows.push(['last traffic', awake.lastTrafficAt]);
  }
  return rows;
}

export function describeApp(app: AppStatus, revealSecrets: boolean): string {
  const { spec } = app;
  const flash = spec.mode === 'regular' ? undefined : spec.mode.flash;
  const rows: [string, string | string[]][] = [
    ['name', spec.name],
    ['namespace', spec.namespace],
    ['mode', flash ? 'flash' : 'regular'],
  ];
  if (flash) {
    const deep = deepSuspendAfter(spec.mode);
    rows.push(
      ['snapshot strategy', strategyName(flash.strategy)],
      ['suspend timeout', `${flash.timeout}s`],
      ['deep suspend after', deep ? `${deep}s` : 'never'],
    );
  }
  rows.push(['image', spec.image]);
  if (spec.command) rows.push(['command', spec.command.map((a) => JSON.stringify(a)).join(' ')]);
  if (spec.args) rows.push(['args', spec.args.map((a) => JSON.stringify(a)).join(' ')]);
  rows.push(
    ['cpus', String(spec.resources.cpu)],
    ['memory', `${spec.resources.memory} MiB`],
    ['environment', maskEnvironment(spec.environment, revealSecrets)],
    ['volumes', spec.volumes.map((v) => `${v.namespace}/${v.name} → ${v.path}`)],
    ['dependencies', spec['depends-on']],
    ['services', app.services.map((s) => `${s.name}: ${s.address} → :${s.targetPort} (on this host: ${s.hostAddress})`)],
    ['state', stateText(app)],
  );
  if (app.volumes?.length) rows.push(['volume usage', app.volumes.map((u) => `${u.volume} (${u.path}): ${describeUsage(u)}`)]);
  if (app.accel) rows.push(['accelerator', app.accel]);
  if (app.flash) {
    rows.push(['resumes', String(app.flash.resumeCount)]);
    if (app.flash.lastSuspendAt) rows.push(['last suspend', app.flash.lastSuspendAt]);
    if (app.flash.lastResumeAt)
      rows.push([
        'last resume',
        `${app.flash.lastResumeAt}${app.flash.lastResumeLatencyMs !== undefined ? ` (${app.flash.lastResumeLatencyMs.toFixed(1)} ms)` : ''}`,
      ]);
    rows.push(...flashRows(app.flash, app.state));
  }
  if (spec.tags.length) rows.push(['tags', spec.tags.join(', ')]);
  rows.push(['restart policy', spec['restart-policy']]);
  return keyValues(rows);
}

export async function appNotFound(ctx: CommandContext, ns: string, name: string, kind = 'app'): Promise<string> {
  const apps = await ctx.client.listApps();
  return notFoundMessage(
    kind,
    ns,
    name,
    apps.map((a) => a.spec),
  );
}

export async function runAppGet(ctx: CommandContext): Promise<void> {
  if (ctx.args.values.kubeconfig) return runAppGetInCluster(ctx);
  const ns = namespaceOf(ctx.args);
  const name = ctx.args.positionals[0];
  const app = await ctx.client.getApp(ns, name);
  if (!app) throw new CliError(await appNotFound(ctx, ns, name));
  const reveal = Boolean(ctx.args.flags['show-secrets']);
  ctx.out(ctx.format === 'text' ? describeApp(app, reveal) : render(hidden(app, reveal), ctx.format));
}

export async function runAppList(ctx: CommandContext): Promise<void> {
  if (ctx.args.values.kubeconfig) return runAppListInCluster(ctx);
  const apps = await ctx.client.listApps(ctx.args.flags.all ? undefined : namespaceOf(ctx.args));
  if (ctx.format !== 'text')
    return ctx.out(
      render(
        apps.map((a) => hidden(a, false)),
        ctx.format,
      ),
    );
  if (!apps.length) return ctx.out('No apps.');
  ctx.out(
    table(
      ['NAMESPACE', 'NAME', 'IMAGE', 'MODE', 'STATE', 'SERVICES'],
      apps.map((a) => [
        a.spec.namespace,
        a.spec.name,
        a.spec.image,
        a.spec.mode === 'regular' ? 'regular' : 'flash',
        a.state,
        a.services.map((s) => s.hostAddress).join(', ') || '-',
      ]),
    ),
  );
}

export async function runAppDelete(ctx: CommandContext): Promise<void> {
  const ns = namespaceOf(ctx.args);
  const name = ctx.args.positionals[0];
  if (!ctx.args.flags.yes && !(await ctx.confirm(`Delete app ${ns}/${name}?`))) throw new CliError('not deleted (confirm on a terminal, or pass -y)');
  if (!(await ctx.client.deleteApp(ns, name))) throw new CliError(await appNotFound(ctx, ns, name));
  ctx.out(`App '${name}' has been deleted.`);
}
