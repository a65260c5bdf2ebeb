import * as assert from 'node:assert/strict';
import { Testing } from 'cdktf';
import { LttleProvider } from './provider';

describe('cdktf LttleProvider', () => {
  it('synthesizes kubeconfig and context into the provider block (a cluster instead of lttled)', () => {
    const synth = JSON.parse(
      Testing.synthScope((scope) => {
        new LttleProvider(scope, 'lttle', { kubeconfig: '/home/u/.lttle/cluster/kubeconfig', context: 'lttle' });
      }),
    ) as { provider: { lttle: Record<string, unknown>[] } };
    assert.deepEqual(synth.provider.lttle, [{ kubeconfig: '/home/u/.lttle/cluster/kubeconfig', context: 'lttle' }]);
  });

  it('without them the block stays empty: the local daemon, as before', () => {
    const synth = JSON.parse(Testing.synthScope((scope) => void new LttleProvider(scope, 'lttle'))) as { provider: { lttle: Record<string, unknown>[] } };
    assert.deepEqual(synth.provider.lttle, [{}]);
  });
});
