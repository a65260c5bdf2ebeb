import * as assert from 'node:assert/strict';
import { Testing } from 'cdktf';
import { App, Volume, VolumeSnapshot } from '.';

describe('cdktf constructs', () => {
  it('synthesize every generated prop as the snake_case attribute, keeping variable and service names', () => {
    const synth = JSON.parse(
      Testing.synthScope((scope) => {
        const volume = new Volume(scope, 'v', { name: 'pgdata', size: '100Mi', timeouts: { create: '1m' } });
        new App(scope, 'a', {
          name: 'pg',
          image: 'img',
          environment: { POSTGRES_USER: 'u' },
          secretEnvironmentWo: { pass_word: 'x' },
          secretEnvironmentWoVersion: 1,
          mode: { flash: { deepSuspendAfter: 0 } },
          volumes: [{ name: volume.name, path: '/d' }],
          expose: { 'my-svc': { port: 1, connectionTracking: { trafficAware: { inactivityTimeout: 3 } } } },
          dependsOnApps: ['x'],
        });
        const snapshot = new VolumeSnapshot(scope, 's', { name: 'before', volume: volume.name });
        new Volume(scope, 'r', { name: 'restored', size: '100Mi', fromSnapshot: `${snapshot.volume}/${snapshot.name}` });
      }),
    );
    assert.deepEqual(synth.resource.lttle_volume_snapshot.s, { name: 'before', volume: '${lttle_volume.v.name}' });
    assert.deepEqual(synth.resource.lttle_volume.r, {
      name: 'restored',
      size: '100Mi',
      from_snapshot: '${lttle_volume_snapshot.s.volume}/${lttle_volume_snapshot.s.name}',
    });
    assert.deepEqual(synth.resource.lttle_volume.v, { name: 'pgdata', size: '100Mi', timeouts: { create: '1m' } });
    assert.deepEqual(synth.resource.lttle_app.a, {
      name: 'pg',
      image: 'img',
      environment: { POSTGRES_USER: 'u' },
      secret_environment_wo: { pass_word: 'x' },
      secret_environment_wo_version: 1,
      mode: { flash: { deep_suspend_after: 0 } },
      volumes: [{ name: '${lttle_volume.v.name}', path: '/d' }],
      expose: { 'my-svc': { port: 1, connection_tracking: { traffic_aware: { inactivity_timeout: 3 } } } },
      depends_on_apps: ['x'],
    });
  });
});
