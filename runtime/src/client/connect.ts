// Which runtime a provider talks to: one lttled (the default, as before), or a
// Kubernetes cluster's custom resources when a kubeconfig is given. The two
// are exclusive; kubeconfig is never taken from the environment (KUBECONFIG
// names whatever cluster kubectl last used), so nothing changes for a user who
// does not ask for a cluster.
import { ClusterRuntime } from '../kube/cluster-runtime';
import { readKubeconfig } from '../kube/kubeconfig';
import type { RuntimeApi } from './api';
import { RuntimeClient } from './client';

export interface RuntimeTarget {
  host?: string;
  token?: string;
  /** Path of a kubeconfig: manage the Volume and App custom resources of its cluster. */
  kubeconfig?: string;
  /** A context of that kubeconfig (default: its current context). */
  context?: string;
}

/** A problem of the target, naming the attribute (in the front end's spelling) it is about. */
export interface TargetProblem {
  attribute: 'host' | 'token' | 'kubeconfig' | 'context';
  message: string;
}

/** What is wrong with a target before anything connects: both kinds at once, a missing kubeconfig file or context. */
export function targetProblems(target: RuntimeTarget): TargetProblem[] {
  const problems: TargetProblem[] = [];
  if (target.kubeconfig && (target.host || target.token))
    problems.push({
      attribute: target.host ? 'host' : 'token',
      message: `${target.host ? 'host' : 'token'} and kubeconfig are exclusive: host and token name one lttled, kubeconfig a Kubernetes cluster; set only one of them`,
    });
  if (target.context && !target.kubeconfig) problems.push({ attribute: 'context', message: 'context names a context of the kubeconfig: set kubeconfig too' });
  if (target.kubeconfig) {
    try {
      readKubeconfig(target.kubeconfig, target.context);
    } catch (err) {
      const message = (err as Error).message;
      const aboutContext = /no context/.test(message) && target.context;
      problems.push({
        attribute: aboutContext ? 'context' : 'kubeconfig',
        message: (err as NodeJS.ErrnoException).code === 'ENOENT' || /ENOENT/.test(message) ? `kubeconfig ${target.kubeconfig} does not exist` : message,
      });
    }
  }
  return problems;
}

/** The runtime of a target; constructing it does not connect (previews must not touch the runtime). */
export function connectRuntime(target: RuntimeTarget, env: NodeJS.ProcessEnv = process.env): RuntimeApi {
  const [problem] = targetProblems(target);
  if (problem) throw new Error(problem.message);
  if (target.kubeconfig) return new ClusterRuntime(target.kubeconfig, target.context);
  return new RuntimeClient({ host: target.host, token: target.token, env });
}
