// Acceptance: the seed (volume + flash PostgreSQL app) through terraform
// against the real runtime with real microVMs. Needs the runtime's app
// support (images, QEMU); env change = update in place, rename = replace.
import * as assert from 'node:assert/strict';
import { outputs, TerraformHarness } from './fixtures/terraform/harness';
import { hostPort, psql } from './support/psql';

describe('terraform: examples/terraform-postgres, lttle_app (real microVMs)', function () {
  this.timeout(1_800_000);
  let h: TerraformHarness;

  before(() => {
    h = new TerraformHarness('examples/terraform-postgres');
    h.ok(['init', '-input=false']);
  });
  after(async () => {
    try {
      h.terraform('destroy', '-auto-approve', '-input=false');
    } finally {
      await h.cleanup();
    }
  });

  it('applies the seed; the app is ready or suspended and answers psql; a second plan is empty', async () => {
    h.ok(['apply', '-auto-approve', '-input=false']);
    const app = await h.client().getApp('samples', 'postgresql');
    assert.ok(app && ['ready', 'suspended'].includes(app.state), `state ${app?.state}`);
    const out = outputs(h);
    assert.equal(out.address, 'tcp://postgresql-access.samples.svc.lttle.local:5432');
    assert.equal(await psql(hostPort(String(out.host_address)), 'select 1'), '1');
    h.ok(['plan', '-detailed-exitcode', '-input=false'], 0);
  });

  it('keeps environment values out of plans and logs', () => {
    const plan = h.ok(['plan', '-input=false', '-var', 'db=db2']);
    assert.doesNotMatch(plan.stdout + plan.stderr, /password/);
    assert.match(plan.stdout, /environment\s+=\s+\(sensitive value\)/);
  });

  it('updates the environment in place (a redeploy, not a replacement)', async () => {
    const before = await h.client().getApp('samples', 'postgresql');
    const plan = h.ok(['plan', '-detailed-exitcode', '-input=false', '-var', 'db=db2'], 2);
    assert.match(plan.stdout, /lttle_app\.postgresql will be updated in-place/);
    assert.doesNotMatch(plan.stdout, /must be replaced/);
    h.ok(['apply', '-auto-approve', '-input=false', '-var', 'db=db2']);
    const after = await h.client().getApp('samples', 'postgresql');
    assert.ok(after && before && after.generation > before.generation, 'the machine was redeployed');
    assert.equal(after?.createdAt, before?.createdAt, 'same app');
    h.ok(['plan', '-detailed-exitcode', '-input=false', '-var', 'db=db2'], 0);
  });

  it('replaces the app on a rename (delete first)', async () => {
    const vars = ['-var', 'db=db2', '-var', 'app_name=postgresql2'];
    const plan = h.ok(['plan', '-detailed-exitcode', '-input=false', ...vars], 2);
    assert.match(plan.stdout, /lttle_app\.postgresql must be replaced/);
    assert.match(plan.stdout, /name\s+=\s+"postgresql" -> "postgresql2" # forces replacement/);
    h.ok(['apply', '-auto-approve', '-input=false', ...vars]);
    assert.equal(await h.client().getApp('samples', 'postgresql'), undefined);
    assert.ok(await h.client().getApp('samples', 'postgresql2'));
    h.ok(['plan', '-detailed-exitcode', '-input=false', ...vars], 0);
  });

  it('imports the app into an empty state, then plans no changes', () => {
    const vars = ['-var', 'db=db2', '-var', 'app_name=postgresql2'];
    h.ok(['state', 'rm', 'lttle_app.postgresql']);
    h.ok(['import', '-input=false', ...vars, 'lttle_app.postgresql', 'samples/postgresql2']);
    h.ok(['plan', '-detailed-exitcode', '-input=false', ...vars], 0);
  });

  it('destroys the app before the volume, leaving nothing in the runtime', async () => {
    h.ok(['destroy', '-auto-approve', '-input=false', '-var', 'db=db2', '-var', 'app_name=postgresql2']);
    assert.deepEqual(await h.client().listApps(), []);
    assert.deepEqual(await h.client().listVolumes(), []);
  });
});
