import * as assert from 'node:assert/strict';
import { camelToSnake, fieldName, fromCasing, frontEndName, toCasing } from './casing';

describe('casing', () => {
  const spec = {
    'restart-policy': 'always',
    environment: { POSTGRES_PASSWORD: 'x', lower_case: 'y' },
    expose: { 'my-svc': { port: 1, 'connection-tracking': { 'traffic-aware': { 'inactivity-timeout': 2 } } } },
    mode: { flash: { strategy: { 'nth-listen': 2 }, timeout: 3 } },
    'depends-on': ['a-b'],
  };

  it('renames field names but keeps environment variable and service names', () => {
    assert.deepEqual(toCasing(spec, 'camel'), {
      restartPolicy: 'always',
      environment: { POSTGRES_PASSWORD: 'x', lower_case: 'y' },
      expose: { 'my-svc': { port: 1, connectionTracking: { trafficAware: { inactivityTimeout: 2 } } } },
      mode: { flash: { strategy: { nthListen: 2 }, timeout: 3 } },
      dependsOn: ['a-b'],
    });
    assert.deepEqual((toCasing(spec, 'snake') as Record<string, unknown>).restart_policy, 'always');
  });

  it('round-trips both casings', () => {
    assert.deepEqual(fromCasing(toCasing(spec, 'camel'), 'camel'), spec);
    assert.deepEqual(fromCasing(toCasing(spec, 'snake'), 'snake'), spec);
  });

  it('spells the fields front ends reserve differently, and back', () => {
    assert.equal(frontEndName('depends-on', 'camel'), 'dependsOnApps');
    assert.equal(frontEndName('depends-on', 'snake'), 'depends_on_apps');
    assert.equal(frontEndName('restart-policy', 'snake'), 'restart_policy');
    assert.equal(fieldName('dependsOnApps', 'camel'), 'depends-on');
    assert.equal(fieldName('depends_on_apps', 'snake'), 'depends-on');
    assert.equal(camelToSnake('secretEnvironmentWoVersion'), 'secret_environment_wo_version');
  });
});
