import * as assert from 'node:assert/strict';
import { check } from './check';
import { decode, secret, SECRET_SIG, SIG_KEY, UNKNOWN } from './values';

export const seedApp = () => ({
  namespace: 'samples',
  image: 'ghcr.io/lttle-cloud/postgres:17-flash',
  resources: { cpu: 1, memory: 256 },
  mode: { flash: { strategy: 'manual', timeout: 3 } },
  environment: { POSTGRES_PASSWORD: secret('password'), POSTGRES_USER: 'user', POSTGRES_DB: 'db' },
  volumes: [{ name: 'pgdata', path: '/var/lib/postgresql/data' }],
  expose: { access: { port: 5432, internal: {} } },
});

describe('pulumi Check', () => {
  it('accepts the seed app, defaults the name to the resource name and keeps secrets wrapped', () => {
    const r = check('app', decode(seedApp()), undefined, 'postgresql');
    assert.deepEqual(r.failures, []);
    assert.equal(r.inputs.name, 'postgresql');
    assert.deepEqual((r.inputs.environment as Record<string, unknown>).POSTGRES_PASSWORD, { [SIG_KEY]: SECRET_SIG, value: 'password' });
  });

  it('names the failing property in camelCase', () => {
    const inputs = { ...seedApp(), mode: { flash: { strategy: 'manual', timeout: 0 } }, restartPolicy: 'sometimes' };
    const r = check('app', decode(inputs), undefined, 'postgresql');
    const props = r.failures.map((f) => f.property).sort();
    assert.deepEqual(props, ['mode.flash.timeout', 'restartPolicy']);
    const timeout = r.failures.find((f) => f.property === 'mode.flash.timeout');
    assert.match(timeout?.reason ?? '', /^mode\.flash\.timeout must be an integer >= 1/);
  });

  it('reports a bad expose entry under its key and unknown fields with a suggestion', () => {
    const inputs = { ...seedApp(), expose: { access: { port: 70000, internal: {} } }, imag: 'x' };
    const r = check('app', decode(inputs), undefined, 'postgresql');
    assert.ok(r.failures.some((f) => f.property === 'expose.access.port'), JSON.stringify(r.failures));
    assert.ok(r.failures.some((f) => f.property === 'imag' && /did you mean "image"/.test(f.reason)));
  });

  it('explains a resource name that is not a valid lttle name', () => {
    const r = check('volume', decode({ size: '1Gi' }), undefined, 'my.volume');
    assert.equal(r.failures[0]?.property, 'name');
    assert.match(r.failures[0].reason, /set `name` explicitly/);
  });

  it('does not judge unknown values (preview)', () => {
    const inputs = { ...seedApp(), volumes: [{ name: UNKNOWN, path: '/var/lib/postgresql/data' }], resources: { cpu: UNKNOWN, memory: 256 } };
    const r = check('app', decode(inputs), undefined, 'postgresql');
    assert.deepEqual(r.failures, []);
    assert.equal((r.inputs.volumes as { name: string }[])[0].name, UNKNOWN);
  });

  it('still reports known problems next to unknowns', () => {
    const r = check('volume', decode({ name: UNKNOWN, size: '1Xi' }), undefined, 'v');
    assert.deepEqual(r.failures.map((f) => f.property), ['size']);
  });

  it('refuses to shrink a volume, with a clear message', () => {
    const olds = decode({ name: 'pgdata', namespace: 'samples', size: '200Mi' });
    const r = check('volume', decode({ name: 'pgdata', namespace: 'samples', size: '100Mi' }), olds, 'pgdata');
    assert.equal(r.failures.length, 1);
    assert.equal(r.failures[0].property, 'size');
    assert.match(r.failures[0].reason, /^size .*200Mi.*samples\/pgdata.*100Mi.*only grow/);
  });

  it('allows growing, and shrinking when the name changes (a new volume)', () => {
    const olds = decode({ name: 'pgdata', size: '100Mi' });
    assert.deepEqual(check('volume', decode({ name: 'pgdata', size: '1Gi' }), olds, 'pgdata').failures, []);
    assert.deepEqual(check('volume', decode({ name: 'pgdata2', size: '10Mi' }), olds, 'pgdata').failures, []);
  });

  it('never puts secret values into failure reasons', () => {
    const inputs = { ...seedApp(), environment: { POSTGRES_PASSWORD: secret({ nested: 'hunter2' }) } };
    const r = check('app', decode(inputs), undefined, 'postgresql');
    assert.ok(r.failures.length > 0);
    assert.ok(!JSON.stringify(r.failures).includes('hunter2'));
  });
});
