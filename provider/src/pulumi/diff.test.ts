import * as assert from 'node:assert/strict';
import { diff, DiffKind, oldInputsOf } from './diff';
import { PropertyError } from './errors';
import { decode, secret, UNKNOWN, type JsonObject } from './values';

const app = (over: JsonObject = {}): JsonObject => ({
  name: 'postgresql',
  namespace: 'samples',
  image: 'ghcr.io/lttle-cloud/postgres:17-flash',
  mode: { flash: { strategy: 'manual', timeout: 3 } },
  environment: { POSTGRES_PASSWORD: 'password', POSTGRES_USER: 'user' },
  volumes: [{ name: 'pgdata', path: '/var/lib/postgresql/data' }],
  expose: { access: { port: 5432, internal: {} } },
  ...over,
});

describe('pulumi Diff', () => {
  it('no change -> nothing to do', () => {
    const r = diff('app', app(), decode(app()));
    assert.equal(r.changed, false);
    assert.deepEqual(r.detailed, {});
  });

  it('spelling differences that normalise the same are no change', () => {
    const r = diff('volume', { name: 'v', size: '100Mi', mode: 'writable' }, decode({ name: 'v', size: 104857600 }));
    assert.equal(r.changed, false);
  });

  it('growing a volume is an in-place UPDATE', () => {
    const r = diff('volume', { name: 'v', size: '100Mi' }, decode({ name: 'v', size: '200Mi' }));
    assert.deepEqual(r, { changed: true, replaces: [], diffs: ['size'], deleteBeforeReplace: false, detailed: { size: DiffKind.UPDATE }, redeploy: false });
  });

  it('shrinking a volume is refused', () => {
    assert.throws(() => diff('volume', { name: 'v', size: '200Mi' }, decode({ name: 'v', size: '100Mi' })), (err: unknown) => {
      assert.ok(err instanceof PropertyError);
      assert.equal(err.failures[0].property, 'size');
      assert.match(err.message, /^size .*default\/v.*only grow/);
      return true;
    });
  });

  it('renaming replaces, deleting first', () => {
    const r = diff('app', app(), decode(app({ name: 'pg2' })));
    assert.deepEqual(r.replaces, ['name']);
    assert.equal(r.deleteBeforeReplace, true);
    assert.equal(r.detailed.name, DiffKind.UPDATE_REPLACE);
  });

  it('an environment change names the variable, updates in place, redeploys', () => {
    const r = diff('app', app(), decode(app({ environment: { POSTGRES_PASSWORD: secret('new'), POSTGRES_USER: 'user', EXTRA: '1' } })));
    assert.deepEqual(r.detailed, { 'environment.POSTGRES_PASSWORD': DiffKind.UPDATE, 'environment.EXTRA': DiffKind.ADD });
    assert.deepEqual(r.replaces, []);
    assert.equal(r.redeploy, true);
  });

  it('mode and restartPolicy update without redeploy', () => {
    const r = diff('app', app(), decode(app({ mode: 'regular', restartPolicy: 'never' })));
    assert.deepEqual(Object.keys(r.detailed).sort(), ['mode', 'restartPolicy']);
    assert.equal(r.redeploy, false);
  });

  it('unknown values count as changes of their property; unknown name replaces', () => {
    const r = diff('app', app(), decode(app({ volumes: [{ name: UNKNOWN, path: '/var/lib/postgresql/data' }] })));
    assert.deepEqual(r.detailed, { volumes: DiffKind.UPDATE });
    const n = diff('volume', { name: 'v', size: '1Gi' }, decode({ name: UNKNOWN, size: '1Gi' }));
    assert.deepEqual(n.replaces, ['name']);
    assert.equal(n.deleteBeforeReplace, true);
  });

  it('compares against oldInputs when sent, else against the inputs kept in the outputs', () => {
    const outputs = decode({ ...app(), state: 'ready', services: [], generation: 1 });
    assert.deepEqual(oldInputsOf('app', outputs, undefined), app());
    assert.deepEqual(oldInputsOf('app', outputs, decode({ ...app(), image: 'other' })).image, 'other');
    assert.deepEqual(oldInputsOf('app', outputs, decode({})), app());
  });
});
