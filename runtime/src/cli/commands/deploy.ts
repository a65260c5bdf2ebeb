import * as fs from 'node:fs';
import { LttleError, type ErrorCode } from '../../../../schema/src/errors';

/** Answers of a dry run that refuse the change (the rest are failures of the runtime itself). */
const REFUSALS = new Set<ErrorCode>(['bad_request', 'unauthorized', 'not_found', 'method_not_allowed', 'conflict', 'busy', 'too_large', 'invalid']);
import { DocumentError, loadFiles, type LoadedResource } from '../../../../schema/src/documents';
import { formatPath } from '../../../../schema/src/schema';
import type { CommandSpec } from '../args';
import { CliError } from '../context';
import { render } from '../output';
import { openImageStore } from '../../image/open-store';
import { KUBE_CONTEXT, KUBECONFIG, OUTPUT } from './common-options';
import { runDeployToCluster } from './cluster-apps';
import { locateField } from '../locate';
import { suggestion, type Named } from '../not-found';
import { deployApps, type Deployed, type DeployContext } from './deploy-apps';

export const deploy: CommandSpec = {
  path: 'deploy',
  usage: 'lttle deploy FILE... [--pull] [--no-wait] [--allow-missing-volumes] [--timeout SECONDS] [--kubeconfig FILE [--context NAME]] [--output json|yaml]',
  summary:
    'Create or update the volumes and apps declared in lttle YAML files. Every document of every file is checked before anything changes; volumes are applied before apps; the apps are applied together and waited for until they are ready (or suspended, in flash mode).',
  options: [
    { name: 'wait', help: 'wait for apps to be ready (default; --no-wait returns once they are stored)' },
    { name: 'timeout', value: 'SECONDS', help: 'how long to wait for each app (default 300)' },
    { name: 'allow-missing-volumes', help: 'deploy apps whose volumes do not exist yet (they wait for them); otherwise such a mount is refused as a typo' },
    { name: 'pull', help: 'resolve registry images again (a moved tag redeploys); otherwise the digest pinned by the first deploy is kept' },
    KUBECONFIG,
    KUBE_CONTEXT,
    OUTPUT,
  ],
  positionals: { min: 1, max: Infinity },
};

function where(r: LoadedResource, field?: (string | number)[]): string {
  const line = field && locateField(r.location.file, r.location.document, field);
  return `${r.location.file}: document ${r.location.document} (${r.kind} "${r.spec.name}")${line ? `, ${line}` : ''}`;
}

/**
 * Replaces each app's registry image by repo:tag@digest: the digest the store
 * resolved at the first pull, or a fresh resolution with --pull. An unchanged
 * deploy then plans no change, and a moved tag redeploys only when asked.
 * Local builds (make image) stay by name.
 */
async function pinImages(ctx: DeployContext, resources: LoadedResource[]): Promise<void> {
  const store = openImageStore();
  const pull = ctx.args.flags.pull === true;
  const problems: string[] = [];
  for (const r of resources) {
    if (r.kind !== 'app') continue;
    const spec = r.spec as { image: string };
    try {
      spec.image = (await store.resolve(spec.image, { pull, output: { progress: (line) => ctx.err(`${spec.image}: ${line}`) } })).pinned;
    } catch (err) {
      problems.push(`${where(r)}: image: ${(err as Error).message}`);
    }
  }
  if (problems.length) throw new CliError(`${problems.join('\n')}\nNothing was deployed.`);
}

export async function runDeploy(ctx: DeployContext): Promise<void> {
  // A path that is not there is a typo on the command line, not a problem inside a document.
  const unreadable = ctx.args.positionals.flatMap((file) => {
    if (!fs.existsSync(file)) return [`${file}: no such file`];
    return fs.statSync(file).isDirectory() ? [`${file}: is a directory; name the .lttle.yaml files in it`] : [];
  });
  if (unreadable.length) throw new CliError(unreadable.join('\n'), 2);
  let resources: LoadedResource[];
  try {
    resources = loadFiles(ctx.args.positionals);
  } catch (err) {
    if (err instanceof DocumentError) throw new CliError(err.message);
    throw err;
  }
  const wait = ctx.args.flags.wait !== false;
  const timeoutMs = Number(ctx.args.values.timeout?.[0] ?? 300) * 1000;
  if (!(timeoutMs > 0)) throw new CliError('--timeout must be a positive number of seconds', 2);
  if (ctx.args.values.kubeconfig) return runDeployToCluster(ctx, resources, { wait, timeoutMs });

  // Pin registry images to their digest (pulling what the store lacks) before planning.
  if (!process.env.LTTLE_HOST) await pinImages(ctx, resources);

  // Plan everything before changing anything: a refused change anywhere stops the whole deploy.
  const problems = ctx.args.flags['allow-missing-volumes'] ? [] : await missingVolumes(ctx, resources);
  for (const r of resources) {
    try {
      if (r.kind === 'volume') await ctx.client.applyVolume(r.spec, { dryRun: true });
      else await ctx.client.applyApp(r.spec, { dryRun: true });
    } catch (err) {
      if (!(err instanceof LttleError) || !REFUSALS.has(err.code)) throw err;
      if (err.issues.length) for (const issue of err.issues) problems.push(`${where(r, issue.path)}: ${formatPath(issue.path)} ${issue.message}`);
      else problems.push(`${where(r)}: ${err.message}`);
    }
  }
  if (problems.length) throw new CliError(`${problems.join('\n')}\nNothing was deployed.`);

  const deployed: Deployed[] = [];
  for (const r of resources) {
    if (r.kind !== 'volume') continue;
    const { status, plan } = await ctx.client.applyVolume(r.spec);
    deployed.push({ kind: 'volume', namespace: r.spec.namespace, name: r.spec.name, action: plan.action, state: status.state });
    if (ctx.format === 'text') ctx.out(`Successfully deployed volume: ${r.spec.namespace}/${r.spec.name}`);
  }
  const apps = await deployApps(
    ctx,
    resources.filter((r) => r.kind === 'app'),
    { wait, timeoutMs },
  );
  for (const app of apps.deployed) if (ctx.format === 'text') ctx.out(`Successfully deployed app: ${app.namespace}/${app.name}`);
  deployed.push(...apps.deployed);
  if (ctx.format !== 'text') ctx.out(render(deployed, ctx.format));
  if (apps.failures.length) throw new CliError(apps.failures.join('\n'));
}

/**
 * The runtime lets an app wait for a volume that comes later (providers order
 * their own resources), but from the CLI a mount of a volume that neither
 * exists nor is in the files is a typo: applying it would stop the running
 * machine to wait for a volume that never comes.
 */
async function missingVolumes(ctx: DeployContext, resources: LoadedResource[]): Promise<string[]> {
  const declared = new Set(resources.filter((r) => r.kind === 'volume').map((r) => `${r.spec.namespace}/${r.spec.name}`));
  const problems: string[] = [];
  let existing: Named[] | undefined;
  for (const r of resources) {
    // A fork's volumes are made as branches of its source's when it is created.
    if (r.kind !== 'app' || r.spec['fork-of']) continue;
    for (const [i, mount] of r.spec.volumes.entries()) {
      const id = `${mount.namespace}/${mount.name}`;
      if (declared.has(id) || (await ctx.client.getVolume(mount.namespace, mount.name))) continue;
      existing ??= [...resources.filter((v) => v.kind === 'volume').map((v) => v.spec), ...(await ctx.client.listVolumes()).map((v) => v.spec)];
      const hint = suggestion(mount.namespace, mount.name, existing);
      problems.push(
        `${where(r, ['volumes', i, 'name'])}: volumes[${i}].name: volume ${id} is neither on this host nor in these files${hint} (--allow-missing-volumes deploys the app to wait for it)`,
      );
    }
  }
  return problems;
}
