// deploy, app list and app get against a Kubernetes cluster (--kubeconfig):
// the same documents and checks, applied as custom resources that the node
// agents run; the environment goes to a Secret, never into the App object.
import type { LoadedResource } from '../../../../schema/src/documents';
import { ClusterResources, type AppObject } from '../../kube/cluster-resources';
import { KubeApiError } from '../../kube/kube-client';
import { agentClient } from '../../kube/agent-api';
import { NOT_ON_A_CLUSTER } from '../../kube/not-on-a-cluster';
import type { RuntimeClient } from '../../client/client';
import type { ParsedArgs } from '../args';
import { CliError, namespaceOf, type CommandContext } from '../context';
import { keyValues, render, table } from '../output';

export function clusterOf(ctx: Pick<CommandContext, 'args'>): ClusterResources {
  try {
    return ClusterResources.fromKubeconfig(ctx.args.values.kubeconfig[0], ctx.args.values.context?.[0]);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
}

const SETTLED = new Set(['ready', 'suspended', 'deep-suspended']);

/** `resources` are the loaded documents of the command line, checked by the schema already. */
export async function runDeployToCluster(
  ctx: Omit<CommandContext, 'client'>,
  resources: LoadedResource[],
  options: { wait: boolean; timeoutMs: number },
): Promise<void> {
  const kube = clusterOf(ctx);
  // The API server checks every resource first (a dry run): a refusal anywhere deploys nothing.
  const problems: string[] = [];
  for (const r of resources) {
    const unsupported = r.kind === 'app' ? r.spec['fork-of'] && 'fork-of' : r.spec['from-snapshot'] && 'from-snapshot';
    if (unsupported) {
      problems.push(`${r.location.file}: document ${r.location.document} (${r.kind} "${r.spec.name}"): ${unsupported} ${NOT_ON_A_CLUSTER[unsupported]}`);
      continue;
    }
    try {
      await kube.check(r.kind, r.spec);
    } catch (err) {
      if (!(err instanceof KubeApiError)) throw err;
      problems.push(`${r.location.file}: document ${r.location.document} (${r.kind} "${r.spec.name}"): ${err.message}`);
    }
  }
  if (problems.length) throw new CliError(`${problems.join('\n')}\nNothing was deployed.`);
  for (const r of resources.filter((x) => x.kind === 'volume')) {
    await kube.applyVolume(r.spec);
    if (ctx.format === 'text') ctx.out(`Successfully deployed volume: ${r.spec.namespace}/${r.spec.name}`);
  }
  const apps = resources.filter((x) => x.kind === 'app');
  for (const r of apps) await kube.applyApp(r.spec);
  const { wait, timeoutMs } = options;
  const deadline = Date.now() + timeoutMs;
  const deployed: { kind: string; namespace: string; name: string; state?: string; host?: string }[] = [];
  for (const r of apps) {
    let app: AppObject | undefined;
    while (wait && Date.now() < deadline) {
      app = await kube.getApp(r.spec.namespace, r.spec.name);
      if (app?.status?.state && SETTLED.has(app.status.state) && app.status.observedGeneration === app.metadata.generation) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    if (wait && !(app?.status?.state && SETTLED.has(app.status.state)))
      throw new CliError(
        `app ${r.spec.namespace}/${r.spec.name} is not ready after ${timeoutMs / 1000} s: ${app?.status?.message ?? app?.status?.state ?? 'no node agent has taken it'}`,
      );
    deployed.push({ kind: 'app', namespace: r.spec.namespace, name: r.spec.name, state: app?.status?.state, host: app?.status?.host });
    if (ctx.format === 'text') ctx.out(`Successfully deployed app: ${r.spec.namespace}/${r.spec.name}${app?.status?.host ? ` on ${app.status.host}` : ''}`);
  }
  if (ctx.format !== 'text') ctx.out(render(deployed, ctx.format));
}

export async function runAppListInCluster(ctx: CommandContext): Promise<void> {
  const apps = await clusterOf(ctx).listApps(ctx.args.flags.all ? undefined : namespaceOf(ctx.args));
  if (ctx.format !== 'text') return ctx.out(render(apps, ctx.format));
  if (!apps.length) return ctx.out('No apps.');
  ctx.out(
    table(
      ['NAMESPACE', 'NAME', 'IMAGE', 'MODE', 'STATE', 'HOST', 'ENDPOINT'],
      apps.map((a) => [
        a.metadata.namespace,
        a.metadata.name,
        a.spec.image,
        a.spec.mode && 'flash' in a.spec.mode ? 'flash' : 'regular',
        a.status?.state ?? '-',
        a.status?.host ?? '-',
        a.status?.endpoint ?? '-',
      ]),
    ),
  );
}

export async function runAppGetInCluster(ctx: CommandContext): Promise<void> {
  const ns = namespaceOf(ctx.args);
  const name = ctx.args.positionals[0];
  const app = await clusterOf(ctx).getApp(ns, name);
  if (!app) throw new CliError(`app ${ns}/${name} not found in the cluster`);
  if (ctx.format !== 'text') return ctx.out(render(app, ctx.format));
  const s = app.status;
  ctx.out(
    keyValues([
      ['name', `${ns}/${name}`],
      ['image', app.spec.image],
      ['state', s?.state ?? 'not placed yet'],
      ['host', s?.host ?? '-'],
      ['endpoint', s?.endpoint ?? '-'],
      ['suspended since', s?.suspendedSince ?? '-'],
      ['kept awake by', s?.keptAwakeBy?.length ? s.keptAwakeBy.join('; ') : '-'],
      ['message', s?.message ?? '-'],
    ]),
  );
}

/**
 * With --kubeconfig, the commands about one app's machine (logs, exec, suspend, resume) talk
 * to the node agent of the host it is on (kube/agent-api.ts). NAME may be a unique prefix.
 */
export async function agentClientForApp(args: ParsedArgs): Promise<RuntimeClient> {
  const kube = clusterOf({ args });
  const ns = namespaceOf(args);
  const name = args.positionals[0];
  const apps = await kube.listApps(ns);
  const exact = apps.find((a) => a.metadata.name === name);
  const prefixed = apps.filter((a) => a.metadata.name.startsWith(name));
  const app = exact ?? (prefixed.length === 1 ? prefixed[0] : undefined);
  if (!app)
    throw new CliError(
      prefixed.length
        ? `"${name}" matches several apps in ${ns}: ${prefixed.map((a) => a.metadata.name).join(', ')}`
        : `app ${ns}/${name} not found in the cluster`,
    );
  const host = app.status?.host;
  if (!host) throw new CliError(`app ${ns}/${app.metadata.name} is not on a host yet (${app.status?.message ?? 'no node agent has taken it'})`);
  try {
    return await agentClient(kube.client, host);
  } catch (err) {
    throw new CliError(`app ${ns}/${app.metadata.name} is on host ${host}, whose agent cannot be reached: ${(err as Error).message}`);
  }
}
