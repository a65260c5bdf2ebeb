import * as path from 'node:path';
import { lttleHome } from '../../../../schema/src/paths';
import { ControlPlane } from '../../kube/control-plane';
import type { CommandSpec } from '../args';
import { CliError, type CommandContext } from '../context';
import { keyValues, Progress, render } from '../output';
import { OUTPUT } from './common-options';

export const clusterUp: CommandSpec = {
  path: 'cluster up',
  usage: 'lttle cluster up [--output json|yaml]',
  summary:
    'Start a Kubernetes control plane on loopback (etcd, kube-apiserver, kube-controller-manager, kube-scheduler from make kube) with the Volume and App custom resources, and write its kubeconfig. For trying many-hosts mode on one machine; a real cluster is used through its own kubeconfig.',
  options: [OUTPUT],
  positionals: { min: 0, max: 0 },
};

export const clusterDown: CommandSpec = {
  path: 'cluster down',
  usage: 'lttle cluster down',
  summary: 'Stop the control plane started by cluster up; its etcd data stays for the next up.',
  options: [],
  positionals: { min: 0, max: 0 },
};

export const clusterStatus: CommandSpec = {
  path: 'cluster status',
  usage: 'lttle cluster status [--output json|yaml]',
  summary: 'Say whether the control plane of cluster up runs, and where its kubeconfig is.',
  options: [OUTPUT],
  positionals: { min: 0, max: 0 },
};

const controlPlane = () => new ControlPlane(path.join(lttleHome(), 'cluster'));

export async function runClusterUp(ctx: CommandContext): Promise<void> {
  const progress = new Progress(process.stderr, Boolean(process.stderr.isTTY) && ctx.format === 'text');
  let info;
  try {
    info = await controlPlane().up((line) => progress.update(line));
  } catch (err) {
    throw new CliError(`cluster up: ${(err as Error).message}`);
  } finally {
    progress.done();
  }
  if (ctx.format !== 'text') return ctx.out(render(info, ctx.format));
  ctx.out(
    keyValues([
      ['server', info.server],
      ['kubeconfig', info.kubeconfig],
      ['logs', info.logs],
    ]),
  );
  ctx.out(`\nexport KUBECONFIG=${info.kubeconfig}`);
}

export async function runClusterDown(ctx: CommandContext): Promise<void> {
  await controlPlane().down();
  ctx.out('The control plane is stopped.');
}

export async function runClusterStatus(ctx: CommandContext): Promise<void> {
  const plane = controlPlane();
  const running = plane.running();
  if (ctx.format !== 'text') return ctx.out(render({ running, kubeconfig: plane.kubeconfig }, ctx.format));
  if (!running) throw new CliError('the control plane of lttle cluster up is not running', 3);
  ctx.out(keyValues([['kubeconfig', plane.kubeconfig]]));
}
