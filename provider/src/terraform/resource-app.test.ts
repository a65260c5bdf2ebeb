import * as assert from 'node:assert/strict';
import { normaliseApp } from '../../../schema/src/normalize';
import { isUnknown, unknown, type CtyObject } from './cty';
import { appAttributes, appBody, appResource, canonical, toPath } from './resource-app';

function app(values: CtyObject): CtyObject {
  return { ...Object.fromEntries(appAttributes.map((a) => [a.name, null])), ...values };
}

const seed = app({
  name: 'postgresql',
  namespace: 'samples',
  image: 'ghcr.io/lttle-cloud/postgres:17-flash',
  resources: { cpu: 1, memory: 256 },
  mode: { flash: { strategy: 'manual', timeout: 3 } },
  environment: { POSTGRES_PASSWORD: 'password', POSTGRES_USER: 'user', POSTGRES_DB: 'db' },
  volumes: [{ name: 'pgdata', namespace: null, path: '/var/lib/postgresql/data' }],
  expose: { access: { port: 5432, internal: { port: null }, external: null, connection_tracking: null } },
});
const prior: CtyObject = { ...seed, id: 'samples/postgresql', state: 'suspended', generation: 1, services: {} };

describe('terraform lttle_app', () => {
  it('turns the seed into the model body the YAML gives', () => {
    const { body } = appBody(seed);
    const result = normaliseApp(body);
    assert.ok(result.ok);
    assert.deepEqual(result.spec.mode, { flash: { strategy: 'manual', timeout: 3 } });
    assert.deepEqual(result.spec.expose.access, { port: 5432, internal: { port: 5432 }, 'connection-tracking': 'connection-aware' });
  });

  it('maps model paths to terraform attribute paths', () => {
    assert.deepEqual(toPath(['mode', 'flash', 'strategy', 'nth-listen']), [{ attribute_name: 'mode' }, { attribute_name: 'flash' }, { attribute_name: 'strategy' }]);
    assert.deepEqual(toPath(['expose', 'access', 'connection-tracking', 'traffic-aware', 'inactivity-timeout']), [
      { attribute_name: 'expose' }, { element_key_string: 'access' }, { attribute_name: 'connection_tracking' }, { attribute_name: 'traffic_aware' }, { attribute_name: 'inactivity_timeout' },
    ]);
    assert.deepEqual(toPath(['volumes', 0, 'path']), [{ attribute_name: 'volumes' }, { element_key_int: 0 }, { attribute_name: 'path' }]);
    assert.deepEqual(toPath(['restart-policy']), [{ attribute_name: 'restart_policy' }]);
  });

  it('reports an unknown strategy at mode.flash.strategy and parses nth-listen:N', () => {
    const bad = appResource.validate({ ...seed, mode: { flash: { strategy: 'sometimes', timeout: 3 } } });
    assert.equal(bad.length, 1);
    assert.deepEqual(bad[0].attribute?.steps, [{ attribute_name: 'mode' }, { attribute_name: 'flash' }, { attribute_name: 'strategy' }]);
    assert.deepEqual(appResource.validate({ ...seed, mode: { flash: { strategy: 'nth-listen:2', timeout: 3 } } }), []);
  });

  it('does not complain about values unknown at validation time', () => {
    assert.deepEqual(appResource.validate({ ...seed, name: unknown(), volumes: [{ name: unknown(), namespace: null, path: '/data' }] }), []);
  });

  it('never puts environment values into diagnostics', () => {
    const diags = appResource.validate({ ...seed, environment: { 'BAD NAME': 'hunter2' } });
    assert.ok(diags.length > 0);
    assert.doesNotMatch(JSON.stringify(diags), /hunter2/);
  });

  it('plans an environment change as an in-place redeploy, a rename as a replacement', () => {
    const env = appResource.plan({ prior, proposed: { ...prior, environment: { POSTGRES_PASSWORD: 'password', POSTGRES_USER: 'user', POSTGRES_DB: 'db2' } }, config: seed });
    assert.deepEqual(env.requiresReplace, []);
    assert.ok(isUnknown(env.planned?.generation) && isUnknown(env.planned?.state));
    const rename = appResource.plan({ prior, proposed: { ...prior, name: 'pg2' }, config: { ...seed, name: 'pg2' } });
    assert.deepEqual(rename.requiresReplace, [[{ attribute_name: 'name' }]]);
    const same = appResource.plan({ prior, proposed: prior, config: seed });
    assert.deepEqual(same.planned, prior);
  });

  it('writes a runtime spec back in the form the config uses (import)', () => {
    const result = normaliseApp(appBody(seed).body);
    assert.ok(result.ok);
    const back = canonical(result.spec);
    for (const key of Object.keys(back)) assert.deepEqual(back[key], seed[key], key);
  });
});
