// Engine-protocol tests of the Pulumi provider: the real plugin binary over
// gRPC, driven in the engine's orders. Volumes run against the real lttled
// (real ext4 files) in a temporary LTTLE_HOME.
import * as assert from 'node:assert/strict';
import * as providerPb from '@pulumi/pulumi/proto/provider_pb';
import { pluginVersion } from '../../provider/src/pulumi/server';
import { CheckFailed, daemonBuilt, Plugin, TempHome, VOLUME, APP, type ResourceState } from '../support/pulumi-harness';
import { SECRET_SIG, SIG_KEY, UNKNOWN, type JsonObject } from '../../provider/src/pulumi/values';

const { DIFF_NONE, DIFF_SOME } = providerPb.DiffResponse.DiffChanges;
const { UPDATE, UPDATE_REPLACE } = providerPb.PropertyDiff.Kind;

const pgdata = (over: JsonObject = {}): JsonObject => ({ name: 'pgdata', namespace: 'samples', mode: 'writeable', size: '100Mi', ...over });

describe('pulumi provider protocol: plugin, schema, config, preview (no runtime)', () => {
  let home: TempHome;
  let plugin: Plugin;

  before(async () => {
    home = new TempHome();
    plugin = await Plugin.start(home.env);
  });

  after(async () => {
    await plugin?.stop();
    await home?.stop();
  });

  it('prints only its port on stdout', () => {
    assert.ok(plugin.port > 0);
    assert.equal(plugin.stdout, `${plugin.port}\n`);
  });

  it('GetPluginInfo reports the package version', async () => {
    assert.equal((await plugin.getPluginInfo()).getVersion(), pluginVersion());
  });

  it('GetSchema returns the package schema with its three resources', async () => {
    const schema = await plugin.getSchema();
    assert.equal(schema.name, 'lttle');
    assert.deepEqual(Object.keys(schema.resources as object).sort(), [APP, VOLUME, 'lttle:index:VolumeSnapshot']);
  });

  it('CheckConfig names bad keys and values; Configure accepts secrets and supports preview', async () => {
    const bad = await plugin.checkConfig({ host: 'ftp://nope', hots: 'x' });
    assert.deepEqual(bad.failures.map((f) => f.property).sort(), ['host', 'hots']);
    const ok = await plugin.checkConfig({ token: 'tok', version: '0.1.0' });
    assert.deepEqual(ok.inputs.token, { [SIG_KEY]: SECRET_SIG, value: 'tok' });
    const res = await plugin.load();
    assert.equal(res.getAcceptsecrets(), true);
    assert.equal(res.getSupportspreview(), true);
  });

  it('preview of the seed: Check + preview Create, unknowns flow through, nothing reaches the runtime', async () => {
    const before = home.files();
    const vol = await plugin.preview(VOLUME, 'pgdata', pgdata());
    assert.equal(vol.op, 'create');
    assert.equal(vol.outputs.sizeBytes, UNKNOWN);
    const app = await plugin.preview(APP, 'postgresql', {
      namespace: 'samples',
      image: 'ghcr.io/lttle-cloud/postgres:17-flash',
      mode: { flash: { strategy: 'manual', timeout: 3, deepSuspendAfter: 120 } },
      environment: { POSTGRES_PASSWORD: { [SIG_KEY]: SECRET_SIG, value: 'preview-secret' } },
      volumes: [{ name: UNKNOWN, path: '/var/lib/postgresql/data' }],
      expose: { access: { port: 5432, internal: {} } },
    });
    assert.equal(app.op, 'create');
    assert.deepEqual(app.outputs.volumes, [{ name: UNKNOWN, path: '/var/lib/postgresql/data' }]);
    assert.deepEqual(app.outputs.mode, { flash: { strategy: 'manual', timeout: 3, deepSuspendAfter: 120 } });
    assert.deepEqual(app.outputs.environment, { [SIG_KEY]: SECRET_SIG, value: { POSTGRES_PASSWORD: 'preview-secret' } });
    assert.equal(app.outputs.services, UNKNOWN);
    // No daemon was started, no file appeared.
    assert.equal(home.socketExists, false);
    assert.deepEqual(home.files(), before);
    assert.ok(!plugin.stderr.includes('preview-secret'));
  });

  it("autonaming: no name -> resource name + suffix from the engine's seed; the engine's autonaming options are honoured", async () => {
    const hs = await plugin.handshake();
    assert.equal(hs.getSupportsAutonamingConfiguration(), true);
    const news = { namespace: 'samples', size: '10Mi' };
    const seed = new Uint8Array(32).fill(7);
    const a = await plugin.check(VOLUME, 'scratch', news, undefined, { seed });
    const again = await plugin.check(VOLUME, 'scratch', news, undefined, { seed });
    assert.match(String(a.inputs.name), /^scratch-[a-z0-9]{8}$/);
    assert.equal(again.inputs.name, a.inputs.name, 'preview and up see one name');
    const kept = await plugin.check(VOLUME, 'scratch', { ...news, size: '20Mi' }, a.inputs, { seed: new Uint8Array(32).fill(8) });
    assert.equal(kept.inputs.name, a.inputs.name, 'an update keeps the name');
    const Mode = providerPb.CheckRequest.AutonamingOptions.Mode;
    const proposed = await plugin.check(VOLUME, 'scratch', news, undefined, { proposedName: 'dev-scratch', mode: Mode.ENFORCE });
    assert.equal(proposed.inputs.name, 'dev-scratch');
    const off = await plugin.check(VOLUME, 'scratch', news, undefined, { mode: Mode.DISABLE });
    assert.equal(off.failures[0]?.property, 'name');
    assert.match(off.failures[0].reason, /autonaming is disabled/);
    assert.equal(home.socketExists, false);
  });

  it('Check failures name the camelCase property path and never echo secrets', async () => {
    const c = await plugin.check(APP, 'postgresql', {
      image: 'img',
      mode: { flash: { strategy: 'manual', timeout: -1, deepSuspendAfter: 1.5 } },
      restartPolicy: 'sometimes',
      environment: { POSTGRES_PASSWORD: { [SIG_KEY]: SECRET_SIG, value: { not: 'a-string-s3cret' } } },
    });
    assert.deepEqual(c.failures.map((f) => f.property).sort(), [
      'environment.POSTGRES_PASSWORD',
      'mode.flash.deepSuspendAfter',
      'mode.flash.timeout',
      'restartPolicy',
    ]);
    assert.ok(!JSON.stringify(c.failures).includes('a-string-s3cret'));
  });

  it('a shrink is refused at Check; Diff (as refresh sends it after an out-of-band grow) shows it as drift', async () => {
    const olds = pgdata({ size: '200Mi' });
    const c = await plugin.check(VOLUME, 'pgdata', pgdata(), olds);
    assert.equal(c.failures[0]?.property, 'size');
    assert.match(c.failures[0].reason, /only grow/);
    const state: ResourceState = {
      type: VOLUME,
      name: 'pgdata',
      id: 'samples/pgdata',
      outputs: { ...olds, sizeBytes: 209715200, state: 'ready' },
      inputs: olds,
    };
    const d = await plugin.diff(state, pgdata());
    assert.deepEqual(d.detailed, { size: UPDATE });
    assert.deepEqual(d.replacesList, []);
    assert.equal(home.socketExists, false);
  });
});

describe('pulumi provider protocol: volumes against the real runtime', function () {
  let home: TempHome;
  let plugin: Plugin;
  let vol: ResourceState;

  before(async function () {
    if (!daemonBuilt()) {
      // Pending until runtime/src/daemon/main.ts is built; never counted as passed.
      this.skip();
    }
    home = new TempHome();
    plugin = await Plugin.start(home.env);
    await plugin.load();
  });

  after(async () => {
    await plugin?.stop();
    await home?.stop();
  });

  it('preview creates nothing, not even the daemon', async () => {
    await plugin.preview(VOLUME, 'pgdata', pgdata());
    assert.equal(home.socketExists, false);
  });

  it('up creates the volume (Check, preview Create, Check, Create)', async () => {
    plugin.calls.length = 0;
    const r = await plugin.up(VOLUME, 'pgdata', pgdata());
    assert.equal(r.op, 'create');
    assert.deepEqual(plugin.calls, ['check', 'create', 'check', 'create']);
    vol = r.state;
    assert.equal(vol.id, 'samples/pgdata');
    assert.equal(vol.outputs.state, 'ready');
    assert.ok((vol.outputs.sizeBytes as number) > 90 * 2 ** 20, `sizeBytes ${vol.outputs.sizeBytes}`);
    const status = await home.client().getVolume('samples', 'pgdata');
    assert.equal(status?.spec.size, 100 * 2 ** 20);
  });

  it('a second up without change: Diff says DIFF_NONE, nothing else is called', async () => {
    plugin.calls.length = 0;
    const r = await plugin.up(VOLUME, 'pgdata', pgdata(), vol);
    assert.equal(r.op, 'same');
    assert.equal(r.diff?.changes, DIFF_NONE);
    assert.deepEqual(plugin.calls, ['check', 'diff', 'check', 'diff']);
  });

  it('a preview never touches the runtime even for an update', async () => {
    const before = home.files();
    const p = await plugin.preview(VOLUME, 'pgdata', pgdata({ size: '300Mi' }), vol);
    assert.equal(p.op, 'update');
    assert.equal(p.outputs.sizeBytes, UNKNOWN);
    assert.deepEqual(home.files(), before);
    assert.equal((await home.client().getVolume('samples', 'pgdata'))?.spec.size, 100 * 2 ** 20);
  });

  it('growing the volume is an in-place UPDATE, no replace', async () => {
    const r = await plugin.up(VOLUME, 'pgdata', pgdata({ size: '200Mi' }), vol);
    assert.equal(r.op, 'update');
    assert.equal(r.diff?.changes, DIFF_SOME);
    assert.deepEqual(r.diff?.detailed, { size: UPDATE });
    assert.deepEqual(r.diff?.replacesList, []);
    assert.ok((r.state.outputs.sizeBytes as number) > (vol.outputs.sizeBytes as number));
    vol = r.state;
  });

  it('shrinking is refused with a clear failure and changes nothing', async () => {
    await assert.rejects(plugin.up(VOLUME, 'pgdata', pgdata({ size: '100Mi' }), vol), (err: CheckFailed) => {
      assert.ok(err instanceof CheckFailed);
      assert.equal(err.failures[0].property, 'size');
      assert.match(err.message, /samples\/pgdata/);
      return true;
    });
    assert.equal((await home.client().getVolume('samples', 'pgdata'))?.spec.size, 200 * 2 ** 20);
  });

  it('renaming replaces, creating the new volume first (its data stays until the app has moved)', async () => {
    plugin.calls.length = 0;
    const r = await plugin.up(VOLUME, 'pgdata', pgdata({ name: 'pgdata2', size: '200Mi' }), vol);
    assert.equal(r.op, 'replace');
    assert.equal(r.diff?.deletebeforereplace, false);
    assert.deepEqual(r.diff?.replacesList, ['name']);
    assert.equal(r.diff?.detailed.name, UPDATE_REPLACE);
    assert.deepEqual(plugin.calls.slice(-4), ['check', 'diff', 'create', 'delete']);
    assert.equal(await home.client().getVolume('samples', 'pgdata'), undefined);
    assert.equal(r.state.id, 'samples/pgdata2');
    vol = r.state;
  });

  it('refresh keeps the user spelling while nothing drifted', async () => {
    const r = await plugin.refresh(vol);
    assert.ok(r);
    assert.equal(r.inputs.size, '200Mi');
    assert.equal((await plugin.diff(r, r.inputs)).changes, DIFF_NONE);
  });

  it('refresh after a deletion behind its back: Read returns an empty id', async () => {
    assert.equal(await home.client().deleteVolume('samples', 'pgdata2'), true);
    assert.equal(await plugin.refresh(vol), undefined);
  });

  it('import by namespace/name: Read gives inputs that match the program (no diff)', async () => {
    await home.client().applyVolume({ name: 'imported', namespace: 'samples', size: '50Mi' });
    const r = await plugin.import(VOLUME, 'imported', 'samples/imported', { name: 'imported', namespace: 'samples', size: 52428800 });
    assert.equal(r.state.id, 'samples/imported');
    assert.equal(r.state.outputs.size, '50Mi');
    assert.equal(r.changes, DIFF_NONE);
    vol = r.state;
  });

  it('Create refuses to adopt an existing volume silently', async () => {
    await assert.rejects(plugin.create(VOLUME, 'imported', { name: 'imported', namespace: 'samples', size: '50Mi' }, false), /already exists.*pulumi import/);
  });

  it('destroy deletes; deleting what is already gone succeeds', async () => {
    await plugin.delete(vol);
    assert.equal(await home.client().getVolume('samples', 'imported'), undefined);
    await plugin.delete(vol);
  });

  it('stdout still holds only the port', () => {
    assert.equal(plugin.stdout, `${plugin.port}\n`);
  });
});
