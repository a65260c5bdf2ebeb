// Placement by kube-scheduler: each App has a Pod that no kubelet runs; the
// scheduler binds it to a node, and the lttle agent of that node runs the App
// (as virtual-kubelet does for its pods). The Pod carries what placement must
// respect: the App's resource requests, the lttle nodes only (a toleration of
// their taint), spreading over hosts, and the host of its volumes.
//
// Capacity: a regular app requests its CPUs and memory. A flash app requests
// both divided by LTTLE_FLASH_OVERCOMMIT (default 4), since it is awake only
// while used, and its host deep-suspends the idle ones under memory pressure;
// a deep-suspended app holds only disk.
import { AGENT_LABEL } from './node-registration';

export const APP_LABEL = 'lttle.dev/app';
/** How long an app without volumes waits for an unreachable host before it is evicted and placed elsewhere. */
export const MOVE_AFTER_SECONDS = 10;

export interface AppResource {
  metadata: { name: string; namespace: string; uid: string; generation?: number };
  spec: {
    image: string;
    resources?: { cpu?: number; memory?: number };
    mode?: Record<string, unknown>;
    volumes?: { name: string; namespace?: string; path: string }[];
  };
}

export const podName = (app: string) => `app-${app}`;

function flashOvercommit(): number {
  const factor = Number(process.env.LTTLE_FLASH_OVERCOMMIT ?? 4);
  return Number.isFinite(factor) && factor >= 1 ? factor : 4;
}

/** The Pod of an App; `volumeHost` pins it to the host of its volumes once they have one. */
export function appPod(app: AppResource, volumeHost?: string): Record<string, unknown> {
  const cpu = app.spec.resources?.cpu ?? 1;
  const memoryMiB = app.spec.resources?.memory ?? 256;
  const flash = Boolean(app.spec.mode && 'flash' in app.spec.mode);
  const requestMiB = flash ? Math.ceil(memoryMiB / flashOvercommit()) : memoryMiB;
  const requestMilliCpu = flash ? Math.ceil((cpu * 1000) / flashOvercommit()) : cpu * 1000;
  const hasVolumes = Boolean(app.spec.volumes?.length);
  const unreachable = (key: string) => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    // Apps with a volume wait for their host (the volume lives there); the others move.
    ...(hasVolumes ? {} : { tolerationSeconds: MOVE_AFTER_SECONDS }),
  });
  const nodeTerms = [{ key: AGENT_LABEL, operator: 'In', values: ['true'] }];
  if (volumeHost) nodeTerms.push({ key: 'kubernetes.io/hostname', operator: 'In', values: [volumeHost] });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(app.metadata.name),
      namespace: app.metadata.namespace,
      labels: { [APP_LABEL]: app.metadata.name },
      annotations: { 'lttle.dev/volume-host': volumeHost ?? '' },
      // The garbage collector deletes the Pod with its App.
      ownerReferences: [{ apiVersion: 'lttle.dev/v1alpha1', kind: 'App', name: app.metadata.name, uid: app.metadata.uid, controller: true }],
    },
    spec: {
      containers: [{ name: 'app', image: app.spec.image, resources: { requests: { cpu: `${requestMilliCpu}m`, memory: `${requestMiB}Mi` } } }],
      tolerations: [
        { key: AGENT_LABEL, operator: 'Exists', effect: 'NoSchedule' },
        unreachable('node.kubernetes.io/not-ready'),
        unreachable('node.kubernetes.io/unreachable'),
      ],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: nodeTerms }] } } },
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchExpressions: [{ key: APP_LABEL, operator: 'Exists' }] },
        },
      ],
    },
  };
}
