// Acceptance: the real terraform binary drives lttle_volume against the real
// runtime (ext4 files under a temporary LTTLE_HOME).
import * as assert from 'node:assert/strict';
import { outputs, TerraformHarness } from '../fixtures/terraform/harness';

describe('terraform: lttle_volume', function () {
  this.timeout(600_000);
  let h: TerraformHarness;

  before(() => {
    h = new TerraformHarness('volume');
    h.ok(['init', '-input=false']);
  });
  after(async () => {
    await h.cleanup();
  });

  it('applies, then plans no changes', async () => {
    h.ok(['apply', '-auto-approve', '-input=false']);
    const out = outputs(h);
    assert.equal(out.size_bytes, 100 * 2 ** 20);
    assert.equal(out.data_size_bytes, 100 * 2 ** 20);
    const status = await h.client().getVolume('samples', 'pgdata');
    assert.equal(status?.spec.size, 100 * 2 ** 20);
    h.ok(['plan', '-detailed-exitcode', '-input=false'], 0);
  });

  it('grows the volume in place', async () => {
    const plan = h.ok(['plan', '-input=false', '-var', 'size=200Mi', '-detailed-exitcode'], 2);
    assert.match(plan.stdout, /will be updated in-place/);
    assert.doesNotMatch(plan.stdout, /must be replaced|forces replacement/);
    h.ok(['apply', '-auto-approve', '-input=false', '-var', 'size=200Mi']);
    assert.equal((await h.client().getVolume('samples', 'pgdata'))?.spec.size, 200 * 2 ** 20);
    assert.equal(outputs(h).size_bytes, 200 * 2 ** 20);
    h.ok(['plan', '-detailed-exitcode', '-input=false', '-var', 'size=200Mi'], 0);
  });

  it('refuses to shrink with a diagnostic on size, changing nothing', async () => {
    const run = h.terraform('apply', '-auto-approve', '-input=false', '-var', 'size=50Mi');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Invalid lttle_volume configuration/);
    assert.match(run.stderr, /size\s+=\s+var\.size/, 'the diagnostic points at the size attribute');
    assert.match(run.stderr, /shrink/);
    assert.equal((await h.client().getVolume('samples', 'pgdata'))?.spec.size, 200 * 2 ** 20);
  });

  it('imports into an empty state, then plans no changes', () => {
    h.ok(['state', 'rm', 'lttle_volume.pgdata']);
    h.ok(['import', '-input=false', '-var', 'size=200Mi', 'lttle_volume.pgdata', 'samples/pgdata']);
    h.ok(['plan', '-detailed-exitcode', '-input=false', '-var', 'size=200Mi'], 0);
  });

  it('notices a volume deleted behind its back and plans to create it', async () => {
    assert.equal(await h.client().deleteVolume('samples', 'pgdata'), true);
    const plan = h.ok(['plan', '-detailed-exitcode', '-input=false', '-var', 'size=200Mi'], 2);
    assert.match(plan.stdout, /lttle_volume\.pgdata will be created/);
    assert.match(plan.stdout, /1 to add, 0 to change, 0 to destroy/);
    h.ok(['apply', '-auto-approve', '-input=false', '-var', 'size=200Mi']);
  });

  it('takes over drift made outside terraform', async () => {
    await h.client().applyVolume({ name: 'pgdata', namespace: 'samples', mode: 'writeable', size: '300Mi' });
    // Only the size_bytes output changes (exit code 2 counts outputs); the
    // volume itself matches the new config.
    const plan = h.ok(['plan', '-input=false', '-var', 'size=300Mi']);
    assert.match(plan.stdout, /Objects have changed outside of Terraform|changes made outside of OpenTofu/);
    assert.doesNotMatch(plan.stdout, /lttle_volume\.pgdata (will|must) be/);
    h.ok(['apply', '-auto-approve', '-input=false', '-var', 'size=300Mi']);
  });

  it('destroys, leaving nothing in the runtime', async () => {
    h.ok(['destroy', '-auto-approve', '-input=false', '-var', 'size=300Mi']);
    assert.deepEqual(await h.client().listVolumes(), []);
  });
});
