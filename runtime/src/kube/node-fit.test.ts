import * as assert from 'node:assert/strict';
import { parseQuantity, unfit, type PodResources } from './node-fit';

const pod = (name: string, nodeName: string | undefined, cpu: string, memory: string): PodResources => ({
  metadata: { name, namespace: 'samples' },
  spec: { nodeName, containers: [{ resources: { requests: { cpu, memory } } }] },
});
const node = { metadata: { name: 'host-b' }, status: { allocatable: { cpu: '3', memory: '4Gi', pods: '10' } } };

describe('node fit (kube/node-fit.ts)', () => {
  it('reads the quantities Kubernetes writes', () => {
    assert.equal(parseQuantity('250m'), 0.25);
    assert.equal(parseQuantity('3'), 3);
    assert.equal(parseQuantity('64Mi'), 64 * 2 ** 20);
    assert.equal(parseQuantity('16384Ki'), 16 * 2 ** 20);
    assert.ok(Number.isNaN(parseQuantity('lots')));
  });

  it('fits a pod where there is room, and names what is short where there is none', () => {
    const moving = pod('app-postgresql', 'host-a', '250m', '64Mi');
    assert.equal(unfit(node, [pod('app-web', 'host-b', '2000m', '256Mi')], moving), undefined);
    assert.equal(
      unfit(node, [pod('app-web', 'host-b', '2000m', '256Mi'), pod('app-small', 'host-b', '1000m', '256Mi')], moving),
      'host host-b has too little cpu left for it (0m free, 250m requested)',
    );
    // Pods of other hosts do not count; nor does the moving pod itself.
    assert.equal(unfit(node, [pod('app-big', 'host-a', '3000m', '1Gi'), moving], moving), undefined);
    assert.match(unfit(node, [pod('app-huge', 'host-b', '0', '4Gi')], moving) ?? '', /too little memory left for it \(0 MiB free, 64 MiB requested\)/);
  });
});
