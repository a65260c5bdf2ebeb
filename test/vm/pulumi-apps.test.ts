// Engine-protocol tests for lttle:index:App against the real runtime: real
// microVMs booting the seed's PostgreSQL image in flash mode. Slow (a boot
// under TCG takes a while); they need the daemon's app runtime.
import * as assert from 'node:assert/strict';
import * as providerPb from '@pulumi/pulumi/proto/provider_pb';
import { APP, daemonBuilt, Plugin, TempHome, VOLUME, type ResourceState } from '../support/pulumi-harness';
import { SECRET_SIG, SIG_KEY, type JsonObject } from '../../provider/src/pulumi/values';

const { DIFF_NONE } = providerPb.DiffResponse.DiffChanges;
const { UPDATE, UPDATE_REPLACE } = providerPb.PropertyDiff.Kind;
const BOOT_TIMEOUT_S = 600;

const secret = (value: string) => ({ [SIG_KEY]: SECRET_SIG, value });
const PASSWORD = 'pw-7f3a9c1e-never-logged';
const PASSWORD2 = 'pw-2b8d4e6f-never-logged';

const volumeInputs: JsonObject = { name: 'pgdata', namespace: 'samples', mode: 'writeable', size: '100Mi' };
const appInputs = (over: JsonObject = {}): JsonObject => ({
  name: 'postgresql',
  namespace: 'samples',
  image: 'ghcr.io/lttle-cloud/postgres:17-flash',
  resources: { cpu: 1, memory: 256 },
  mode: { flash: { strategy: 'manual', timeout: 3 } },
  environment: { POSTGRES_PASSWORD: secret(PASSWORD), POSTGRES_USER: 'user', POSTGRES_DB: 'db' },
  volumes: [{ name: 'pgdata', path: '/var/lib/postgresql/data' }],
  expose: { access: { port: 5432, internal: {} } },
  ...over,
});

describe('pulumi provider protocol: apps against the real runtime (microVMs)', function () {
  this.timeout((BOOT_TIMEOUT_S + 120) * 1000);
  let home: TempHome;
  let plugin: Plugin;
  let vol: ResourceState;
  let app: ResourceState;

  /** Later steps build on earlier ones; say so instead of failing with a TypeError. */
  const need = (state: ResourceState | undefined, what: string): ResourceState => {
    if (!state) throw new Error(`an earlier step failed: no ${what} state`);
    return state;
  };

  before(async function () {
    if (!daemonBuilt()) this.skip();
    home = new TempHome();
    plugin = await Plugin.start(home.env);
    await plugin.load();
  });

  after(async () => {
    if (plugin && home) {
      // Leave no machine running whatever failed.
      for (const name of ['postgresql', 'postgresql2', 'imported-pg'])
        await home
          .client()
          .deleteApp('samples', name)
          .catch(() => undefined);
    }
    await plugin?.stop();
    await home?.stop();
  });

  afterEach(() => {
    for (const pw of [PASSWORD, PASSWORD2]) assert.ok(!plugin.stderr.includes(pw) && !plugin.stdout.includes(pw), 'a secret reached the plugin output');
  });

  it('up: the volume, then the app waits until ready (or suspended); secrets stay secret', async () => {
    vol = (await plugin.up(VOLUME, 'pgdata', volumeInputs)).state;
    const r = await plugin.up(APP, 'postgresql', appInputs(), undefined, BOOT_TIMEOUT_S);
    app = r.state;
    assert.equal(app.id, 'samples/postgresql');
    assert.ok(['ready', 'suspending', 'suspended'].includes(app.outputs.state as string), `state ${app.outputs.state}`);
    assert.deepEqual(app.outputs.environment, secret({ POSTGRES_PASSWORD: PASSWORD, POSTGRES_USER: 'user', POSTGRES_DB: 'db' } as unknown as string));
    const services = app.outputs.services as { name: string; address: string; hostAddress: string }[];
    assert.equal(services[0].address, 'tcp://postgresql-access.samples.svc.lttle.local:5432');
    assert.match(services[0].hostAddress, /^127\.0\.0\.1:\d+$/);
  });

  it('a second up without change: DIFF_NONE', async () => {
    const r = await plugin.up(APP, 'postgresql', appInputs(), need(app, 'app'));
    assert.equal(r.op, 'same');
    assert.equal(r.diff?.changes, DIFF_NONE);
  });

  it('changing the secret password: UPDATE of environment.POSTGRES_PASSWORD, redeployed, still secret', async () => {
    const next = appInputs({ environment: { POSTGRES_PASSWORD: secret(PASSWORD2), POSTGRES_USER: 'user', POSTGRES_DB: 'db' } });
    const r = await plugin.up(APP, 'postgresql', next, need(app, 'app'), BOOT_TIMEOUT_S);
    assert.equal(r.op, 'update');
    assert.deepEqual(r.diff?.detailed, { 'environment.POSTGRES_PASSWORD': UPDATE });
    const env = r.state.outputs.environment as { [SIG_KEY]: string; value: Record<string, string> };
    assert.equal(env[SIG_KEY], SECRET_SIG);
    assert.equal(env.value.POSTGRES_PASSWORD, PASSWORD2);
    assert.ok((r.state.outputs.generation as number) > (app.outputs.generation as number));
    app = r.state;
  });

  it('renaming the app: replace, deleting the old app first', async () => {
    const r = await plugin.up(APP, 'postgresql', appInputs({ name: 'postgresql2', environment: need(app, 'app').inputs.environment }), app, BOOT_TIMEOUT_S);
    assert.equal(r.op, 'replace');
    assert.equal(r.diff?.deletebeforereplace, true);
    assert.equal(r.diff?.detailed.name, UPDATE_REPLACE);
    assert.equal(await home.client().getApp('samples', 'postgresql'), undefined);
    app = r.state;
    assert.equal(app.id, 'samples/postgresql2');
  });

  it('refresh after the app was deleted behind its back: gone', async () => {
    need(app, 'app');
    assert.equal(await home.client().deleteApp('samples', 'postgresql2'), true);
    assert.equal(await plugin.refresh(app), undefined);
  });

  it('import by namespace/name matches the program (no diff) and keeps environment secret', async () => {
    const body = {
      name: 'imported-pg',
      namespace: 'samples',
      image: 'ghcr.io/lttle-cloud/postgres:17-flash',
      mode: { flash: { strategy: 'manual', timeout: 3 } },
      environment: { POSTGRES_PASSWORD: PASSWORD },
      volumes: [{ name: 'pgdata', path: '/var/lib/postgresql/data' }],
      expose: { access: { port: 5432, internal: {} } },
    };
    await home.client().applyApp(body);
    const program = appInputs({ name: 'imported-pg', environment: { POSTGRES_PASSWORD: secret(PASSWORD) } });
    delete program.resources;
    const r = await plugin.import(APP, 'imported-pg', 'samples/imported-pg', program);
    assert.equal(r.changes, DIFF_NONE);
    assert.equal((r.state.outputs.environment as Record<string, unknown>)[SIG_KEY], SECRET_SIG);
    app = r.state;
  });

  it('destroy: app first, then its volume', async () => {
    await plugin.delete(need(app, 'app'));
    await plugin.delete(need(vol, 'volume'));
    assert.equal(await home.client().getApp('samples', 'imported-pg'), undefined);
    assert.equal(await home.client().getVolume('samples', 'pgdata'), undefined);
  });
});
