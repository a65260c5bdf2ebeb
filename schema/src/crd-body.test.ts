import * as assert from 'node:assert/strict';
import { bodyOfCustomResource, customResourceOfSpec } from './crd-body';
import { loadDocuments } from './documents';
import { packageRoot } from './paths';
import * as path from 'node:path';
import { normaliseApp, normaliseVolume } from './normalize';

describe('custom resource to document body', () => {
  it('gives the same App spec as the seed YAML, with the environment from the Secret', () => {
    const resource = {
      metadata: { name: 'postgresql', namespace: 'samples' },
      spec: {
        image: 'ghcr.io/lttle-cloud/postgres:17-flash',
        environmentSecret: 'pg-env',
        mode: { flash: { strategy: { firstListen: {} }, timeout: 10, deepSuspendAfter: 30 } },
        volumes: [{ name: 'pgdata', path: '/var/lib/postgresql/data' }],
        expose: { postgres_db: { port: 5432, external: { host: '127.0.0.1' }, connectionTracking: { trafficAware: { inactivityTimeout: 5 } } } },
        restartPolicy: 'on-failure',
        dependsOn: ['other'],
      },
    };
    const spec = normaliseApp(bodyOfCustomResource('app', resource, { POSTGRES_PASSWORD: 's3cret' }));
    assert.ok(spec.ok, JSON.stringify(!spec.ok && spec.issues));
    assert.equal(spec.spec.name, 'postgresql');
    assert.equal(spec.spec.namespace, 'samples');
    assert.deepEqual(spec.spec.mode, { flash: { strategy: 'first-listen', timeout: 10, 'deep-suspend-after': 30 } });
    assert.deepEqual(spec.spec.environment, { POSTGRES_PASSWORD: 's3cret' });
    assert.deepEqual(spec.spec.volumes, [{ name: 'pgdata', namespace: 'samples', path: '/var/lib/postgresql/data' }]);
    assert.deepEqual(spec.spec.expose.postgres_db['connection-tracking'], { 'traffic-aware': { 'inactivity-timeout': 5 } });
    assert.equal(spec.spec['restart-policy'], 'on-failure');
    assert.deepEqual(spec.spec['depends-on'], ['other']);
  });

  it('keeps an object choice of a union and the regular mode', () => {
    const nth = normaliseApp(bodyOfCustomResource('app', { metadata: { name: 'a' }, spec: { image: 'x', mode: { flash: { strategy: { nthListen: 2 } } } } }));
    assert.ok(nth.ok);
    assert.deepEqual((nth.spec.mode as { flash: { strategy: unknown } }).flash.strategy, { 'nth-listen': 2 });
    const regular = normaliseApp(bodyOfCustomResource('app', { metadata: { name: 'a' }, spec: { image: 'x', mode: { regular: {} } } }));
    assert.ok(regular.ok);
    assert.equal(regular.spec.mode, 'regular');
  });

  it('gives a Volume spec with its size in bytes', () => {
    const volume = normaliseVolume(bodyOfCustomResource('volume', { metadata: { name: 'pgdata', namespace: 'samples' }, spec: { size: '100Mi' } }));
    assert.ok(volume.ok);
    assert.equal(volume.spec.size, 100 * 2 ** 20);
  });

  it('round-trips the seed file: spec -> custom resource -> spec, the environment in a Secret', () => {
    for (const r of loadDocuments(path.join(packageRoot(), 'examples', 'postgres', 'postgresql.lttle.yaml'))) {
      const resource = customResourceOfSpec(r.kind, r.spec as unknown as { name: string; namespace: string });
      assert.doesNotMatch(JSON.stringify(resource), /password/, 'no environment value in the custom resource');
      const environment = r.kind === 'app' ? (r.spec as { environment: Record<string, string> }).environment : undefined;
      const back = (r.kind === 'app' ? normaliseApp : normaliseVolume)(bodyOfCustomResource(r.kind, resource, environment));
      assert.ok(back.ok);
      assert.deepEqual(back.spec, r.spec);
    }
  });
});
