// examples/terraform-snapshots with the real terraform: a volume and a
// lttle_volume_snapshot of it, and a volume created from the snapshot
// (from_snapshot; no app, so no VM boots). The CLI lists the snapshot, a
// second plan is empty, the examples/resources import line adopts
// it, one removed with the CLI is planned again, a new name replaces it, and
// destroy leaves no snapshot and no volume.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { packageRoot } from '../../schema/src/paths';
import { outputs, TerraformHarness } from '../fixtures/terraform/harness';

/** The `terraform import` line of examples/resources/lttle_volume_snapshot/import.sh as arguments. */
function importArgs(): string[] {
  const line = fs
    .readFileSync(path.join(packageRoot(), 'examples', 'resources', 'lttle_volume_snapshot', 'import.sh'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('terraform import '));
  assert.ok(line, 'import.sh has a terraform import line');
  const [command, ...rest] = line.split(/\s+/).slice(1);
  return [command, '-input=false', ...rest];
}

describe('terraform: examples/terraform-snapshots, lttle_volume_snapshot', function () {
  this.timeout(600_000);
  let h: TerraformHarness;

  /** `lttle volume snapshot list` as a user runs it, against this harness's daemon. */
  const list = (): string => {
    const r = spawnSync(path.join(packageRoot(), 'bin', 'lttle'), ['volume', 'snapshot', 'list', '--ns', 'samples', 'pgdata'], {
      env: { ...h.env },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };

  before(() => {
    h = new TerraformHarness('examples/terraform-snapshots');
    h.ok(['init', '-input=false']);
  });
  after(() => h.destroyAndCleanup());

  it('takes the snapshot; the CLI lists it; a volume is created from it; a second plan is empty', async () => {
    const apply = h.ok(['apply', '-auto-approve', '-input=false']);
    assert.match(apply.stdout, /lttle_volume_snapshot\.before_migration: Creation complete/);
    assert.match(list(), /^NAME\s+VOLUME\s+SIZE\s+CREATED\nbefore-migration\s+samples\/pgdata\s+100Mi\s/);
    const out = outputs(h);
    assert.equal(out.snapshot_size, '100Mi');
    assert.ok(Date.parse(String(out.snapshot_created_at)) > Date.now() - 600_000, `created_at ${String(out.snapshot_created_at)}`);
    assert.equal(out.restored_size_bytes, 100 * 2 ** 20);
    assert.equal((await h.client().getVolume('samples', 'pgdata-restored'))?.spec['from-snapshot'], 'pgdata/before-migration');
    h.ok(['plan', '-detailed-exitcode', '-input=false'], 0);
  });

  it('imports with the examples/resources import line into an empty state; the plan is empty', () => {
    h.ok(['state', 'rm', 'lttle_volume_snapshot.before_migration']);
    h.ok(importArgs());
    h.ok(['plan', '-detailed-exitcode', '-input=false'], 0);
  });

  it('a snapshot removed with the CLI leaves the state; the next apply takes it again', async () => {
    assert.equal(await h.client().deleteVolumeSnapshot('samples', 'pgdata', 'before-migration'), true);
    const plan = h.ok(['plan', '-detailed-exitcode', '-input=false'], 2);
    assert.match(plan.stdout, /lttle_volume_snapshot\.before_migration will be created/);
    assert.match(plan.stdout, /1 to add, 0 to change, 0 to destroy/);
    h.ok(['apply', '-auto-approve', '-input=false']);
    assert.match(list(), /\nbefore-migration\s/);
  });

  it('a new name replaces the snapshot; the volume made from the old one stays (from_snapshot is read at creation)', async () => {
    const plan = h.ok(['plan', '-input=false', '-var', 'snapshot=after-migration']);
    assert.match(plan.stdout, /lttle_volume_snapshot\.before_migration must be replaced/);
    assert.match(plan.stdout, /# forces replacement/);
    assert.match(plan.stdout, /lttle_volume\.restored will be updated in-place/);
    assert.match(plan.stdout, /1 to add, 1 to change, 1 to destroy/);
    h.ok(['apply', '-auto-approve', '-input=false', '-var', 'snapshot=after-migration']);
    const names = list()
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((l) => l.split(/\s+/)[0]);
    assert.deepEqual(names, ['after-migration']);
    assert.equal((await h.client().getVolume('samples', 'pgdata-restored'))?.state, 'ready');
    h.ok(['plan', '-detailed-exitcode', '-input=false', '-var', 'snapshot=after-migration'], 0);
  });

  it('destroy removes the volume made from the snapshot, the snapshot, then the volume it held', async () => {
    h.ok(['destroy', '-auto-approve', '-input=false', '-var', 'snapshot=after-migration']);
    assert.deepEqual(await h.client().listVolumes(), []);
    await assert.rejects(h.client().listVolumeSnapshots('samples', 'pgdata'), /does not exist/);
  });
});
