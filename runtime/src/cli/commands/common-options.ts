import type { OptionSpec } from '../args';

export const NS: OptionSpec = { name: 'ns', short: 'n', value: 'NAMESPACE', help: 'namespace (default "default")' };
export const NAMESPACE_ALIAS: OptionSpec = { name: 'namespace', value: 'NAMESPACE', help: 'same as --ns' };
export const OUTPUT: OptionSpec = { name: 'output', short: 'o', value: 'FORMAT', help: 'text (default), json or yaml' };
export const YES: OptionSpec = { name: 'yes', short: 'y', help: 'do not ask for confirmation' };
export const KUBECONFIG: OptionSpec = {
  name: 'kubeconfig',
  value: 'FILE',
  help: 'use the lttle custom resources of this Kubernetes cluster (its current context) instead of the local lttled',
};
export const KUBE_CONTEXT: OptionSpec = { name: 'context', value: 'NAME', help: 'the kubeconfig context to use (with --kubeconfig)' };
