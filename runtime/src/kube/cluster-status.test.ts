import * as assert from 'node:assert/strict';
import { ConflictError, InvalidError, LttleError } from '../../../schema/src/errors';
import {
  APPLIED_SPEC_ANNOTATION,
  appStatusOf,
  issuePath,
  refusalError,
  volumeStatusOf,
  type AppCustomResource,
  type VolumeCustomResource,
} from './cluster-status';
import { KubeApiError, type KubeStatus } from './kube-client';
import { appResourceStatus } from './app-status';

const created = '2026-12-03T02:00:00Z';
const seedApp = (status?: AppCustomResource['status']): AppCustomResource => ({
  metadata: { name: 'postgresql', namespace: 'samples', generation: 3, creationTimestamp: created },
  spec: {
    image: 'ghcr.io/lttle-cloud/postgres:17-flash',
    environmentSecret: 'postgresql-env-a1b2c3',
    mode: { flash: { strategy: { manual: {} }, timeout: 3 } },
    volumes: [{ name: 'pgdata', path: '/var/lib/postgresql/data' }],
    expose: { access: { port: 5432, internal: {} } },
  },
  ...(status ? { status } : {}),
});
const ready = (state: string, extra: Partial<NonNullable<AppCustomResource['status']>> = {}): AppCustomResource['status'] => ({
  state,
  host: 'host-a',
  endpoint: '127.0.0.1:41000',
  services: [{ name: 'access', address: '127.0.0.1:41000', internalName: 'tcp://postgresql-access.samples.svc.lttle.local:5432' }],
  observedGeneration: 3,
  conditions: [{ type: 'Ready', status: 'True', reason: 'Serving', message: 'serving', lastTransitionTime: '2026-12-03T02:01:00Z' }],
  ...extra,
});

/** A 422 as kube-apiserver 1.x answers it for a CRD's OpenAPI schema (captured from `lttle cluster up`). */
function invalid(field: string, message: string): KubeApiError {
  const status: KubeStatus = {
    kind: 'Status',
    message: `App.lttle.dev "postgresql" is invalid: ${field}: ${message}`,
    reason: 'Invalid',
    details: { causes: [{ reason: 'FieldValueInvalid', message, field }] },
  };
  return new KubeApiError(422, status, 'create app');
}

describe('cluster resources as lttled statuses', () => {
  it('reads an App the agent reports ready back into the spec the provider applied, with the Secret’s environment', () => {
    const status = appStatusOf(seedApp(ready('ready')), { POSTGRES_PASSWORD: 'pw', POSTGRES_USER: 'user' });
    assert.equal(status.state, 'ready');
    assert.deepEqual(status.spec.environment, { POSTGRES_PASSWORD: 'pw', POSTGRES_USER: 'user' });
    assert.deepEqual(status.spec.mode, { flash: { strategy: 'manual', timeout: 3 } });
    assert.deepEqual(status.spec.volumes, [{ name: 'pgdata', namespace: 'samples', path: '/var/lib/postgresql/data' }]);
    assert.deepEqual(status.services, [
      { name: 'access', address: 'tcp://postgresql-access.samples.svc.lttle.local:5432', hostAddress: '127.0.0.1:41000', targetPort: 5432 },
    ]);
    assert.deepEqual([status.generation, status.observedGeneration], [3, 3]);
    assert.equal(status.updatedAt, '2026-12-03T02:01:00Z');
  });

  it('reads back the spec as applied, not the defaults the API server filled in; an edit made with kubectl shows', () => {
    const applied = appStatusOf(seedApp(), {}).spec;
    // As stored: the API server's default deep-suspend-after added to what the provider applied.
    const stored = seedApp(ready('ready'));
    stored.metadata.annotations = { [APPLIED_SPEC_ANNOTATION]: JSON.stringify({ ...applied, environment: undefined }) };
    stored.spec.mode = { flash: { strategy: { manual: {} }, timeout: 3, deepSuspendAfter: 60 } };
    assert.deepEqual(appStatusOf(stored, { POSTGRES_USER: 'user' }).spec, { ...applied, environment: { POSTGRES_USER: 'user' } });
    stored.spec.image = 'ghcr.io/lttle-cloud/postgres:18-flash';
    const edited = appStatusOf(stored, {}).spec;
    assert.equal(edited.image, 'ghcr.io/lttle-cloud/postgres:18-flash');
    assert.deepEqual(edited.mode, { flash: { strategy: 'manual', timeout: 3, 'deep-suspend-after': 60 } });
  });

  it('says deep-suspended as suspended in flash mode, which the wait counts as settled', () => {
    const status = appStatusOf(seedApp(ready('deep-suspended', { suspendedSince: '2026-12-03T02:02:00Z' })), {});
    assert.equal(status.state, 'suspended');
    assert.deepEqual(status.flash && { deep: status.flash.deep, since: status.flash.suspendedSince }, { deep: true, since: '2026-12-03T02:02:00Z' });
  });

  it('says paged-out as suspended, paged out, and shows it again as paged-out', () => {
    const status = appStatusOf(seedApp(ready('paged-out', { suspendedSince: '2026-12-03T02:02:00Z' })), {});
    assert.equal(status.state, 'suspended');
    assert.equal(status.flash?.deep, undefined);
    assert.equal(status.flash?.pagedOutSince, '2026-12-03T02:02:00Z');
    assert.equal(appResourceStatus(status, 'host-a', 1, '2026-12-03T02:03:00Z').state, 'paged-out');
  });

  it('an App no agent has taken yet waits at generation 0, with why', () => {
    const status = appStatusOf(seedApp(), {});
    assert.equal(status.state, 'waiting');
    assert.equal(status.observedGeneration, 0);
    assert.match(status.message ?? '', /no node agent has taken it/);
  });

  it('keeps the agent’s reason for waiting (its waiting status has no generation: not yet acted on)', () => {
    const waiting = appStatusOf(seedApp({ state: 'waiting', message: 'volume pgdata is bound to host host-b', conditions: [] }), {});
    assert.deepEqual([waiting.state, waiting.observedGeneration, waiting.message], ['waiting', 0, 'volume pgdata is bound to host host-b']);
  });

  it('a stored Volume is ready at its generation, its size from the spec until its host measures it', () => {
    const volume: VolumeCustomResource = {
      metadata: { name: 'pgdata', namespace: 'samples', generation: 2, creationTimestamp: created },
      spec: { size: '100Mi', mode: 'writeable' },
    };
    const pending = volumeStatusOf(volume);
    assert.deepEqual([pending.state, pending.sizeBytes, pending.generation, pending.observedGeneration], ['ready', 100 * 1024 * 1024, 2, 2]);
    assert.match(pending.message ?? '', /host of the first app that mounts it/);
    const bound = volumeStatusOf({ ...volume, status: { state: 'bound', host: 'host-a' } }, 'samples/postgresql');
    assert.deepEqual([bound.attachedTo, bound.message], ['samples/postgresql', 'bound to host host-a']);
    assert.equal(volumeStatusOf({ ...volume, status: { state: 'failed', message: 'disk full' } }).state, 'error');
  });
});

describe('API server refusals as lttled errors', () => {
  it('names the field of a schema refusal in the document’s spelling', () => {
    const err = refusalError(
      'app',
      'samples/postgresql',
      invalid('spec.resources.memory', 'Invalid value: 16: spec.resources.memory in body should be greater than or equal to 64'),
    );
    assert.ok(err instanceof InvalidError);
    assert.deepEqual(err.issues, [{ path: ['resources', 'memory'], message: 'should be greater than or equal to 64' }]);
    assert.equal(err.message, 'invalid app samples/postgresql: resources.memory should be greater than or equal to 64');
  });

  it('keeps list indexes, kebab-cases camelCase keys and leaves user data keys alone', () => {
    const err = refusalError(
      'app',
      'samples/postgresql',
      invalid('spec.volumes[0].path', 'Invalid value: "/var/../etc": must be an absolute path such as /var/lib/postgresql/data (not / and without . or ..)'),
    );
    assert.deepEqual(err.issues[0].path, ['volumes', 0, 'path']);
    assert.match(err.issues[0].message, /^must be an absolute path/);
    assert.deepEqual(issuePath('spec.mode.flash.deepSuspendAfter'), ['mode', 'flash', 'deep-suspend-after']);
    assert.deepEqual(issuePath('spec.expose.myService.port'), ['expose', 'myService', 'port']);
    const keys = refusalError('app', 'samples/web', invalid('spec.expose', "Invalid value: every key must be a name that starts with a letter (no '--')"));
    assert.deepEqual(keys.issues, [{ path: ['expose'], message: "every key must be a name that starts with a letter (no '--')" }]);
  });

  it('names the unknown field of a strict decoding error (400, no causes)', () => {
    const status: KubeStatus = {
      kind: 'Status',
      reason: 'BadRequest',
      message: 'App in version "v1alpha1" cannot be handled as a App: strict decoding error: unknown field "spec.imag"',
    };
    const err = refusalError('app', 'default/x', new KubeApiError(400, status, 'create'));
    assert.ok(err instanceof InvalidError);
    assert.deepEqual(err.issues, [{ path: ['imag'], message: 'is not a field of lttle', atKey: true }]);
  });

  it('maps the other refusals to the domain errors the providers already handle', () => {
    const status = (code: number): KubeApiError => new KubeApiError(code, { kind: 'Status', message: 'nope' }, 'x');
    assert.ok(refusalError('volume', 'a/b', status(409)) instanceof ConflictError);
    assert.equal(refusalError('volume', 'a/b', status(404)).code, 'not_found');
    assert.equal(refusalError('volume', 'a/b', status(403)).code, 'unauthorized');
    const other = refusalError('volume', 'a/b', status(500));
    assert.ok(other instanceof LttleError && other.code === 'internal' && /nope/.test(other.message));
  });
});
