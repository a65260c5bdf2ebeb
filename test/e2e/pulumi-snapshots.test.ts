// examples/pulumi-snapshots with the real Pulumi engine (`make pulumi-cli`): a
// volume, a lttle:index:VolumeSnapshot of it and a volume created from the
// snapshot (fromSnapshot; no app, so no VM boots). The CLI lists the snapshot, a second preview is empty, refresh notices one
// removed with the CLI and the next up takes it again, a new name replaces it
// (the new one taken first), and destroy leaves no snapshot and no volume.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pluginVersion } from '../../provider/src/pulumi/server';
import { packageRoot } from '../../schema/src/paths';
import { installExample, localPulumiEnv } from '../support/pulumi-program';
import { TestRuntime } from '../support/runtime';

const BIN = path.join(packageRoot(), 'build', 'pulumi', 'bin');

describe('pulumi e2e: examples/pulumi-snapshots, lttle:index:VolumeSnapshot', function () {
  this.timeout(20 * 60_000);
  let rt: TestRuntime;
  let work: string;
  let env: NodeJS.ProcessEnv;

  const pulumi = (...args: string[]): string => {
    const r = spawnSync(path.join(BIN, 'pulumi'), [...args, '--non-interactive'], { cwd: work, env, encoding: 'utf8', timeout: 10 * 60_000 });
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
    assert.equal(r.status, 0, `pulumi ${args.join(' ')} exited ${r.status}:\n${out}`);
    return out;
  };
  /** The snapshot names `lttle volume snapshot list` shows, as a user runs it. */
  const listed = async (): Promise<string[]> => {
    const r = await rt.cli(['volume', 'snapshot', 'list', '--ns', 'samples', 'pgdata']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME\s+VOLUME\s+SIZE\s+CREATED\n/);
    return r.stdout
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((l) => l.split(/\s+/)[0]);
  };

  before(function () {
    if (!fs.existsSync(path.join(BIN, 'pulumi')))
      throw new Error(`${BIN}/pulumi is missing: run \`make pulumi-cli\` (builds the Pulumi CLI from Go modules; see README.md, section Pulumi)`);
    rt = new TestRuntime('lttle-pulumi-snapshots-');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-pulumi-snapshots-work-'));
    installExample('pulumi-snapshots', work, pluginVersion());
    env = localPulumiEnv(rt.env, BIN, work, 'snapshots-passphrase');
    pulumi('stack', 'init', 'dev');
  });

  after(async function () {
    if (!work) return;
    spawnSync(path.join(BIN, 'pulumi'), ['destroy', '--yes', '--non-interactive'], { cwd: work, env, encoding: 'utf8', timeout: 10 * 60_000 });
    await rt.dispose();
    if (!process.env.LTTLE_KEEP_TEST_HOME) fs.rmSync(work, { recursive: true, force: true });
  });

  it('up takes the snapshot; the CLI lists it with what the stack exports; a second preview is empty', async () => {
    const up = pulumi('up', '--yes');
    assert.match(up, /\+\s+lttle:index:VolumeSnapshot\s+before-migration\s+created/, up);
    assert.deepEqual(await listed(), ['before-migration']);
    const [snapshot] = await rt.client.listVolumeSnapshots('samples', 'pgdata');
    assert.equal(JSON.parse(pulumi('stack', 'output', 'snapshotCreatedAt', '--json')), snapshot.createdAt);
    assert.equal(JSON.parse(pulumi('stack', 'output', 'snapshotSize', '--json')), '100Mi');
    assert.equal(JSON.parse(pulumi('stack', 'output', 'restoredSizeBytes', '--json')), 100 * 2 ** 20);
    assert.equal((await rt.client.getVolume('samples', 'pgdata-restored'))?.spec['from-snapshot'], 'pgdata/before-migration');
    pulumi('preview', '--expect-no-changes');
  });

  it('pulumi import adopts the snapshot by namespace/volume/snapshot; the next preview is empty', () => {
    const urn = JSON.parse(pulumi('stack', 'export'))
      .deployment.resources.map((r: { urn: string; type: string }) => r)
      .find((r: { type: string }) => r.type === 'lttle:index:VolumeSnapshot').urn as string;
    // The volume made from it depends on it: it leaves the state with it and is imported back too.
    pulumi('state', 'delete', urn, '--target-dependents', '--yes');
    const out = pulumi(
      'import',
      'lttle:index:VolumeSnapshot',
      'before-migration',
      'samples/pgdata/before-migration',
      '--yes',
      '--protect=false',
      '--generate-code=false',
    );
    assert.match(out, /=\s+lttle:index:VolumeSnapshot\s+before-migration\s+imported/, out);
    pulumi('import', 'lttle:index:Volume', 'pgdata-restored', 'samples/pgdata-restored', '--yes', '--protect=false', '--generate-code=false');
    pulumi('preview', '--expect-no-changes');
  });

  it('refresh reports a snapshot removed with the CLI as deleted; the next up takes it again', async () => {
    const rm = await rt.cli(['volume', 'snapshot', 'rm', '--ns', 'samples', 'pgdata', 'before-migration']);
    assert.equal(rm.code, 0, rm.stderr);
    const refresh = pulumi('refresh', '--yes');
    assert.match(refresh, /-\s+lttle:index:VolumeSnapshot\s+before-migration\s+deleted/, refresh);
    const up = pulumi('up', '--yes');
    assert.match(up, /\+\s+lttle:index:VolumeSnapshot\s+before-migration\s+created/, up);
    assert.deepEqual(await listed(), ['before-migration']);
  });

  it('a new name replaces the snapshot, the new one taken before the old one goes', async () => {
    pulumi('config', 'set', 'snapshot', 'after-migration');
    const up = pulumi('up', '--yes');
    assert.match(up, /\+-\s+lttle:index:VolumeSnapshot\s+before-migration\s+replaced/, up);
    // from-snapshot is read at creation: the volume made from the old snapshot is only updated.
    assert.match(up, /~\s+lttle:index:Volume\s+pgdata-restored\s+updated/, up);
    assert.ok(up.indexOf('creating replacement') < up.indexOf('deleting original'), up);
    assert.deepEqual(await listed(), ['after-migration']);
    pulumi('preview', '--expect-no-changes');
  });

  it('destroy removes the snapshot, then its volume', async () => {
    pulumi('destroy', '--yes');
    assert.deepEqual(await rt.client.listVolumes(), []);
    await assert.rejects(rt.client.listVolumeSnapshots('samples', 'pgdata'), /does not exist/);
  });
});
