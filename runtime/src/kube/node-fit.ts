// Whether an App's Pod fits on a node beside the Pods bound there: the part of
// kube-scheduler's resource fit that a move checks before it sends anything. A
// moved app whose Pod cannot be placed would wait, its volume bound to a full host.

export interface PodResources {
  metadata: { name: string; namespace: string };
  spec: { nodeName?: string; containers?: { resources?: { requests?: Record<string, string> } }[] };
}
export interface NodeAllocatable {
  metadata: { name: string };
  status?: { allocatable?: Record<string, string> };
}

const SUFFIXES: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** A Kubernetes quantity ("250m", "3", "64Mi", "16384Ki") in its base unit; NaN when it is none. */
export function parseQuantity(quantity: string): number {
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(quantity.trim());
  if (!m) return NaN;
  const scale = m[2] === '' ? 1 : SUFFIXES[m[2]];
  return scale === undefined ? NaN : Number(m[1]) * scale;
}

function requested(pod: PodResources, resource: string): number {
  return (pod.spec.containers ?? []).reduce((sum, c) => sum + (parseQuantity(c.resources?.requests?.[resource] ?? '0') || 0), 0);
}

/** Why `pod` does not fit on `node` beside `pods` (those bound there count), or undefined when it fits. */
export function unfit(node: NodeAllocatable, pods: PodResources[], pod: PodResources): string | undefined {
  const allocatable = node.status?.allocatable ?? {};
  const bound = pods.filter(
    (p) => p.spec.nodeName === node.metadata.name && !(p.metadata.namespace === pod.metadata.namespace && p.metadata.name === pod.metadata.name),
  );
  if (allocatable.pods !== undefined && bound.length + 1 > parseQuantity(allocatable.pods))
    return `host ${node.metadata.name} holds ${bound.length} apps, its most`;
  for (const resource of ['cpu', 'memory']) {
    const total = allocatable[resource];
    if (total === undefined) continue;
    const used = bound.reduce((sum, p) => sum + requested(p, resource), 0);
    const wanted = requested(pod, resource);
    if (used + wanted > parseQuantity(total))
      return `host ${node.metadata.name} has too little ${resource} left for it (${resource === 'cpu' ? `${Math.round((parseQuantity(total) - used) * 1000)}m free, ${Math.round(wanted * 1000)}m requested` : `${Math.round((parseQuantity(total) - used) / 2 ** 20)} MiB free, ${Math.round(wanted / 2 ** 20)} MiB requested`})`;
  }
  return undefined;
}
