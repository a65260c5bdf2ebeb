import * as assert from 'node:assert/strict';
import type { WaitOptions } from '../../../runtime/src/client/api';
import { ConflictError, TimeoutError } from '../../../schema/src/errors';
import type { AppSpec, AppStatus } from '../../../schema/src/types';
import { app } from './app';
import { InitError } from './errors';
import { DiffKind } from './resource';
import { noRuntime, withClient } from './testing/contexts';
import { decode, secret, SECRET_SIG, SIG_KEY, UNKNOWN, type JsonObject } from './values';

const seedApp = () => ({
  namespace: 'samples',
  image: 'ghcr.io/lttle-cloud/postgres:17-flash',
  resources: { cpu: 1, memory: 256 },
  mode: { flash: { strategy: 'manual', timeout: 3 } },
  environment: { POSTGRES_PASSWORD: secret('password'), POSTGRES_USER: 'user', POSTGRES_DB: 'db' },
  volumes: [{ name: 'pgdata', path: '/var/lib/postgresql/data' }],
  expose: { access: { port: 5432, internal: {} } },
});

const inputs = (over: JsonObject = {}): JsonObject => ({
  name: 'postgresql',
  namespace: 'samples',
  image: 'ghcr.io/lttle-cloud/postgres:17-flash',
  mode: { flash: { strategy: 'manual', timeout: 3 } },
  environment: { POSTGRES_PASSWORD: 'password', POSTGRES_USER: 'user' },
  volumes: [{ name: 'pgdata', path: '/var/lib/postgresql/data' }],
  expose: { access: { port: 5432, internal: {} } },
  ...over,
});

describe('pulumi App: Check', () => {
  it("dependsOnApps (not dependsOn, the resource option) is the runtime's depends-on; failures name it", () => {
    const ok = app.toSpec(inputs({ dependsOnApps: ['samples/other'] }));
    assert.ok(ok.ok);
    assert.deepEqual(ok.spec['depends-on'], ['samples/other']);
    assert.deepEqual(app.specToInputs(ok.spec).dependsOnApps, ['samples/other']);
    const bad = app.check(decode(inputs({ dependsOnApps: [42] })), undefined, { logicalName: 'postgresql' });
    assert.match(bad.failures[0]?.property ?? '', /^dependsOnApps/);
  });

  it('accepts the seed app, autonames it from the resource name and keeps secrets wrapped', () => {
    const r = app.check(decode(seedApp()), undefined, { logicalName: 'postgresql' });
    assert.deepEqual(r.failures, []);
    assert.match(String(r.inputs.name), /^postgresql-[a-z0-9]{8}$/);
    assert.deepEqual((r.inputs.environment as Record<string, unknown>).POSTGRES_PASSWORD, { [SIG_KEY]: SECRET_SIG, value: 'password' });
  });

  it('names the failing property in camelCase', () => {
    const news = { ...seedApp(), mode: { flash: { strategy: 'manual', timeout: 0 } }, restartPolicy: 'sometimes' };
    const r = app.check(decode(news), undefined, { logicalName: 'postgresql' });
    const props = r.failures.map((f) => f.property).sort();
    assert.deepEqual(props, ['mode.flash.timeout', 'restartPolicy']);
    const timeout = r.failures.find((f) => f.property === 'mode.flash.timeout');
    assert.match(timeout?.reason ?? '', /^mode\.flash\.timeout must be an integer >= 1/);
  });

  it('reports a bad expose entry under its key and unknown fields with a suggestion', () => {
    const news = { ...seedApp(), expose: { access: { port: 70000, internal: {} } }, imag: 'x' };
    const r = app.check(decode(news), undefined, { logicalName: 'postgresql' });
    assert.ok(
      r.failures.some((f) => f.property === 'expose.access.port'),
      JSON.stringify(r.failures),
    );
    assert.ok(r.failures.some((f) => f.property === 'imag' && /did you mean "image"/.test(f.reason)));
  });

  it('does not judge unknown values (preview)', () => {
    const news = { ...seedApp(), volumes: [{ name: UNKNOWN, path: '/var/lib/postgresql/data' }], resources: { cpu: UNKNOWN, memory: 256 } };
    const r = app.check(decode(news), undefined, { logicalName: 'postgresql' });
    assert.deepEqual(r.failures, []);
    assert.equal((r.inputs.volumes as { name: string }[])[0].name, UNKNOWN);
  });

  it('never puts secret values into failure reasons', () => {
    const news = { ...seedApp(), environment: { POSTGRES_PASSWORD: secret({ nested: 'hunter2' }) } };
    const r = app.check(decode(news), undefined, { logicalName: 'postgresql' });
    assert.ok(r.failures.length > 0);
    assert.ok(!JSON.stringify(r.failures).includes('hunter2'));
  });

  it('normalises camelCase inputs through the shared model', () => {
    const r = app.toSpec({
      name: 'postgresql',
      namespace: 'samples',
      image: 'ghcr.io/lttle-cloud/postgres:17-flash',
      restartPolicy: 'never',
      mode: { flash: { strategy: { nthListen: 2 }, timeout: 3 } },
      expose: { access: { port: 5432, internal: {}, connectionTracking: { trafficAware: { inactivityTimeout: 5 } } } },
    });
    assert.ok(r.ok);
    assert.equal(r.spec['restart-policy'], 'never');
    assert.deepEqual(r.spec.mode, { flash: { strategy: { 'nth-listen': 2 }, timeout: 3 } });
    assert.deepEqual(r.spec.expose.access['connection-tracking'], { 'traffic-aware': { 'inactivity-timeout': 5 } });
  });
});

describe('pulumi App: deepSuspendAfter', () => {
  it('reaches the model as mode.flash.deep-suspend-after (0 = never) and a bad value names the property', () => {
    const r = app.toSpec(inputs({ mode: { flash: { strategy: 'manual', timeout: 3, deepSuspendAfter: 0 } } }));
    assert.ok(r.ok);
    assert.deepEqual(r.spec.mode, { flash: { strategy: 'manual', timeout: 3, 'deep-suspend-after': 0 } });
    const bad = app.check(decode({ ...seedApp(), mode: { flash: { strategy: 'manual', timeout: 3, deepSuspendAfter: -5 } } }), undefined, {
      logicalName: 'postgresql',
    });
    assert.deepEqual(
      bad.failures.map((f) => f.property),
      ['mode.flash.deepSuspendAfter'],
    );
    assert.match(bad.failures[0].reason, /^mode\.flash\.deepSuspendAfter must be an integer >= 0/);
  });

  it('a changed deepSuspendAfter updates in place, without a replacement', () => {
    const news = { ...inputs(), mode: { flash: { strategy: 'manual', timeout: 3, deepSuspendAfter: 300 } } };
    const r = app.diff(inputs(), decode(news));
    assert.equal(r.changed, true);
    assert.deepEqual(r.replaces, []);
    assert.ok(r.diffs.includes('mode'));
  });
});

describe('pulumi App: autonamed replacements', () => {
  const autonamed = (over: JsonObject = {}): JsonObject => inputs({ name: 'postgresql-k3x9q2mz', __defaults: ['name'], ...over });

  it('an autonamed app whose volume is renamed is created before the old one is deleted', () => {
    const r = app.diff(autonamed(), decode(autonamed({ volumes: [{ name: 'pgdata-2', path: '/var/lib/postgresql/data' }] })));
    assert.deepEqual(r.replaces, ['volumes']);
    assert.equal(r.deleteBeforeReplace, false);
  });

  it('deletes first when the new app would mount a volume the old one holds, or when the name is explicit', () => {
    const moved = app.diff(autonamed(), decode(autonamed({ namespace: 'other', volumes: [{ name: 'pgdata', namespace: 'samples', path: '/data' }] })));
    assert.ok(moved.replaces.length > 0);
    assert.equal(moved.deleteBeforeReplace, true);
    const explicit = app.diff(inputs(), decode(inputs({ volumes: [{ name: 'pgdata-2', path: '/var/lib/postgresql/data' }] })));
    assert.equal(explicit.deleteBeforeReplace, true);
  });
});

describe('pulumi App: Diff', () => {
  it('no change -> nothing to do', () => {
    const r = app.diff(inputs(), decode(inputs()));
    assert.equal(r.changed, false);
    assert.deepEqual(r.detailed, {});
  });

  it('renaming replaces, deleting first', () => {
    const r = app.diff(inputs(), decode(inputs({ name: 'pg2' })));
    assert.deepEqual(r.replaces, ['name']);
    assert.equal(r.deleteBeforeReplace, true);
    assert.equal(r.detailed.name, DiffKind.UPDATE_REPLACE);
  });

  it('an environment change names the variable, updates in place, redeploys', () => {
    const r = app.diff(inputs(), decode(inputs({ environment: { POSTGRES_PASSWORD: secret('new'), POSTGRES_USER: 'user', EXTRA: '1' } })));
    assert.deepEqual(r.detailed, { 'environment.POSTGRES_PASSWORD': DiffKind.UPDATE, 'environment.EXTRA': DiffKind.ADD });
    assert.deepEqual(r.replaces, []);
    assert.equal(r.redeploy, true);
  });

  it('mode and restartPolicy update without redeploy', () => {
    const r = app.diff(inputs(), decode(inputs({ mode: 'regular', restartPolicy: 'never' })));
    assert.deepEqual(Object.keys(r.detailed).sort(), ['mode', 'restartPolicy']);
    assert.equal(r.redeploy, false);
  });

  it('unknown values count as changes of their property', () => {
    const r = app.diff(inputs(), decode(inputs({ image: UNKNOWN })));
    assert.deepEqual(r.detailed, { image: DiffKind.UPDATE });
    assert.deepEqual(r.replaces, []);
  });

  it('a mounted volume whose name is unknown (being replaced) replaces the app, deleting it first', () => {
    const r = app.diff(inputs(), decode(inputs({ volumes: [{ name: UNKNOWN, path: '/var/lib/postgresql/data' }] })));
    assert.deepEqual(r.detailed, { volumes: DiffKind.UPDATE_REPLACE });
    assert.deepEqual(r.replaces, ['volumes']);
    assert.equal(r.deleteBeforeReplace, true);
  });

  it('a mounted volume renamed replaces the app; mounting one more updates it', () => {
    const renamed = app.diff(inputs(), decode(inputs({ volumes: [{ name: 'pgdata3', path: '/var/lib/postgresql/data' }] })));
    assert.deepEqual(renamed.detailed, { volumes: DiffKind.UPDATE_REPLACE });
    assert.deepEqual(renamed.replaces, ['volumes']);
    const added = app.diff(
      inputs(),
      decode(
        inputs({
          volumes: [
            { name: 'pgdata', path: '/var/lib/postgresql/data' },
            { name: 'extra', path: '/extra' },
          ],
        }),
      ),
    );
    assert.deepEqual(added.replaces, []);
    assert.equal(added.redeploy, true);
  });

  it('compares against oldInputs when sent, else against the inputs kept in the outputs', () => {
    const outputs = decode({ ...inputs(), state: 'ready', services: [], generation: 1 });
    assert.deepEqual(app.oldInputs(outputs, undefined), inputs());
    assert.deepEqual(app.oldInputs(outputs, decode({ ...inputs(), image: 'other' })).image, 'other');
    assert.deepEqual(app.oldInputs(outputs, decode({})), inputs());
  });
});

/** A scripted apply-and-wait: accepted at generation 3, then `settle` decides. */
function runtime(settle: (accepted: AppStatus) => AppStatus) {
  const waits: WaitOptions<AppStatus>[] = [];
  let current: AppStatus | undefined;
  const ctx = withClient({
    getApp: async () => current,
    applyAppAndWait: async (spec, options) => {
      const s = spec as AppSpec;
      const accepted: AppStatus = { spec: s, state: 'pulling-image', services: [], generation: 3, observedGeneration: 3, createdAt: '', updatedAt: '' };
      current = accepted;
      waits.push(options);
      options.onProgress?.(accepted);
      current = settle(accepted);
      return { status: current, plan: { action: 'update', changes: [], deleteBeforeReplace: false, redeploy: false, errors: [] } };
    },
  });
  return { ctx, waits };
}

describe('pulumi App: Create/Update', () => {
  it('an app preview keeps environment secret and passes unknown inputs through', async () => {
    const r = await app.create(
      noRuntime,
      decode({ name: 'pg', image: 'img', environment: { P: secret('pw') }, volumes: [{ name: UNKNOWN, path: '/d' }] }),
      true,
      0,
    );
    assert.deepEqual(r.outputs.environment, { [SIG_KEY]: SECRET_SIG, value: { P: 'pw' } });
    assert.equal(r.outputs.services, UNKNOWN);
    assert.deepEqual(r.outputs.volumes, [{ name: UNKNOWN, path: '/d' }]);
  });

  it('an update preview marks state and generation unknown for any change (not only a redeploy)', async () => {
    const olds = decode({ ...inputs(), state: 'suspended', generation: 2, services: [{ name: 'access' }] });
    const r = await app.update(noRuntime, 'samples/postgresql', olds, decode(inputs({ restartPolicy: 'never' })), true, 0);
    assert.equal(r.outputs.generation, UNKNOWN);
    assert.equal(r.outputs.state, UNKNOWN);
    assert.deepEqual(r.outputs.services, [{ name: 'access' }]);
    assert.equal(r.outputs.restartPolicy, 'never');
  });

  it('applies and waits through the client; outputs carry generation but not observedGeneration', async () => {
    const { ctx, waits } = runtime((accepted) => ({ ...accepted, state: 'ready', accel: 'tcg' }));
    const r = await app.create(ctx, decode(inputs()), false, 0);
    assert.equal(r.id, 'samples/postgresql');
    assert.equal(r.outputs.state, 'ready');
    assert.equal(r.outputs.generation, 3);
    assert.equal('observedGeneration' in r.outputs, false);
    assert.equal((r.outputs.environment as Record<string, unknown>)[SIG_KEY], SECRET_SIG);
    await app.update(ctx, r.id, decode(r.outputs), decode(inputs({ restartPolicy: 'never' })), false, 30);
    assert.deepEqual(
      waits.map((w) => w.timeoutMs),
      [600_000, 30_000],
    );
    assert.equal(waits[0].signal, ctx.signal);
  });

  it('accepted but not settled: a partial failure the engine keeps (ErrorResourceInitFailed)', async () => {
    const { ctx } = runtime(() => {
      throw new TimeoutError('app samples/postgresql did not become ready within 1s');
    });
    await assert.rejects(app.create(ctx, decode(inputs()), false, 1), (err: unknown) => {
      assert.ok(err instanceof InitError);
      assert.equal(err.id, 'samples/postgresql');
      assert.equal(err.properties.state, 'pulling-image');
      assert.match(err.reasons[0], /did not become ready/);
      return true;
    });
  });

  it('refused by the runtime: the error as it is, nothing recorded', async () => {
    const ctx = withClient({
      getApp: async () => undefined,
      applyAppAndWait: async () => {
        throw new ConflictError('volume samples/pgdata is attached to app samples/other');
      },
    });
    await assert.rejects(app.create(ctx, decode(inputs()), false, 0), ConflictError);
  });
});

describe('pulumi App: Delete', () => {
  it('waits for the runtime to stop and delete the machine, up to customTimeouts.delete', async () => {
    const ctx = withClient({ deleteApp: () => new Promise<boolean>(() => undefined) }); // a machine that never stops
    const started = Date.now();
    await assert.rejects(app.delete(ctx, 'samples/postgresql', 0.3), (err: unknown) => {
      assert.ok(err instanceof TimeoutError);
      assert.match(err.message, /^app samples\/postgresql was not deleted within 0.3 s; raise it with customTimeouts \(delete\)/);
      return true;
    });
    assert.ok(Date.now() - started < 5_000);
  });

  it('an app already gone is deleted', async () => {
    await app.delete(withClient({ deleteApp: async () => false }), 'samples/postgresql', 0);
  });
});
