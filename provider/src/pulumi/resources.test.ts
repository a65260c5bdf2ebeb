import * as assert from 'node:assert/strict';
import { kindOf, nameFromUrn, parseId, specToInputs, toPulumiPath, toSpec, typeFromUrn } from './resources';

describe('pulumi resources (tokens, ids, casing)', () => {
  const urn = 'urn:pulumi:dev::lttle-postgres::lttle:index:App::postgresql';

  it('finds the kind and name from the type or the URN', () => {
    assert.equal(typeFromUrn(urn), 'lttle:index:App');
    assert.equal(typeFromUrn('urn:pulumi:dev::p::my:Component$lttle:index:Volume::v'), 'lttle:index:Volume');
    assert.equal(kindOf('', urn), 'app');
    assert.equal(kindOf('lttle:index:Volume', ''), 'volume');
    assert.equal(kindOf('', 'urn:pulumi:dev::p::aws:s3:Bucket::b'), undefined);
    assert.equal(nameFromUrn(urn), 'postgresql');
  });

  it('parses ids namespace/name, a bare name meaning the default namespace', () => {
    assert.deepEqual(parseId('samples/pgdata'), { namespace: 'samples', name: 'pgdata' });
    assert.deepEqual(parseId('pgdata'), { namespace: 'default', name: 'pgdata' });
    assert.equal(parseId('a/b/c'), undefined);
    assert.equal(parseId(''), undefined);
  });

  it('maps model paths to camelCase, leaving environment and expose keys alone', () => {
    assert.deepEqual(toPulumiPath(['restart-policy']), ['restartPolicy']);
    assert.deepEqual(toPulumiPath(['expose', 'my-svc', 'connection-tracking', 'traffic-aware', 'inactivity-timeout']), ['expose', 'my-svc', 'connectionTracking', 'trafficAware', 'inactivityTimeout']);
    assert.deepEqual(toPulumiPath(['environment', 'MY_VAR']), ['environment', 'MY_VAR']);
    assert.deepEqual(toPulumiPath(['volumes', '0', 'path']), ['volumes', 0, 'path']);
  });

  it('normalises camelCase inputs through the shared model', () => {
    const r = toSpec('app', {
      name: 'postgresql', namespace: 'samples', image: 'ghcr.io/lttle-cloud/postgres:17-flash', restartPolicy: 'never',
      mode: { flash: { strategy: { nthListen: 2 }, timeout: 3 } },
      expose: { access: { port: 5432, internal: {}, connectionTracking: { trafficAware: { inactivityTimeout: 5 } } } },
    });
    assert.ok(r.ok);
    assert.equal(r.spec['restart-policy'], 'never');
    assert.deepEqual(r.spec.mode, { flash: { strategy: { 'nth-listen': 2 }, timeout: 3 } });
    assert.deepEqual(r.spec.expose.access['connection-tracking'], { 'traffic-aware': { 'inactivity-timeout': 5 } });
  });

  it('turns a runtime spec back into inputs with a readable size', () => {
    const r = toSpec('volume', { name: 'pgdata', size: '100Mi' });
    assert.ok(r.ok);
    assert.deepEqual(specToInputs('volume', r.spec), { name: 'pgdata', namespace: 'default', mode: 'writeable', size: '100Mi' });
  });
});
