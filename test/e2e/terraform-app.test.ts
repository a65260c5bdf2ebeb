// Acceptance: the seed (volume + flash PostgreSQL app) through terraform
// against the real runtime with real microVMs. Needs the runtime's app
// support (images, QEMU); env change = update in place, rename = replace.
// The password goes through secret_environment_wo: never in plan or state.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { outputs, TerraformHarness } from '../fixtures/terraform/harness';
import { hostPort, psql } from '../support/psql';

const PASSWORD = 'tf-wo-secret-7c1d';

describe('terraform: examples/terraform-postgres, lttle_app (real microVMs)', function () {
  this.timeout(1_800_000);
  let h: TerraformHarness;

  before(() => {
    h = new TerraformHarness('examples/terraform-postgres');
    h.env.TF_VAR_postgres_password = PASSWORD;
    h.ok(['init', '-input=false']);
  });
  after(() => h.destroyAndCleanup());

  it('applies the seed; the app is ready or suspended and answers psql; a second plan is empty', async () => {
    h.ok(['apply', '-auto-approve', '-input=false']);
    const app = await h.client().getApp('samples', 'postgresql');
    assert.ok(app && ['ready', 'suspended'].includes(app.state), `state ${app?.state}`);
    const out = outputs(h);
    assert.equal(out.address, 'tcp://postgresql-access.samples.svc.lttle.local:5432');
    assert.equal(await psql({ ...hostPort(String(out.host_address)), password: PASSWORD }, 'select 1'), '1');
    h.ok(['plan', '-detailed-exitcode', '-input=false'], 0);
  });

  it('deep_suspend_after: the state shows the default 60; setting 0 updates in place without a redeploy', async () => {
    const state = JSON.parse(fs.readFileSync(path.join(h.work, 'terraform.tfstate'), 'utf8')) as {
      resources: { type: string; instances: { attributes: { mode: { flash: Record<string, unknown> } } }[] }[];
    };
    const tfApp = state.resources.find((r) => r.type === 'lttle_app');
    assert.equal(tfApp?.instances[0].attributes.mode.flash.deep_suspend_after, 60);
    const before = await h.client().getApp('samples', 'postgresql');
    const plan = h.ok(['plan', '-detailed-exitcode', '-input=false', '-var', 'deep_suspend_after=0'], 2);
    assert.match(plan.stdout, /deep_suspend_after\s+=\s+60 -> 0/);
    assert.match(plan.stdout, /lttle_app\.postgresql will be updated in-place/);
    h.ok(['apply', '-auto-approve', '-input=false', '-var', 'deep_suspend_after=0']);
    const after = await h.client().getApp('samples', 'postgresql');
    assert.deepEqual(after?.spec.mode, { flash: { strategy: 'manual', timeout: 3, 'deep-suspend-after': 0 } });
    assert.equal(after?.createdAt, before?.createdAt, 'same app');
    h.ok(['plan', '-detailed-exitcode', '-input=false', '-var', 'deep_suspend_after=0'], 0);
    // Back to the default for the steps below.
    h.ok(['apply', '-auto-approve', '-input=false']);
    h.ok(['plan', '-detailed-exitcode', '-input=false'], 0);
  });

  it('keeps the write-only password out of plans, plan files, the state and logs; shows plain variables by key', () => {
    const plan = h.ok(['plan', '-input=false', '-var', 'db=db2', '-out=db2.tfplan']);
    assert.doesNotMatch(plan.stdout + plan.stderr, new RegExp(PASSWORD));
    // A reviewer sees which variable changes.
    assert.match(plan.stdout, /"POSTGRES_DB"\s+=\s+"db" -> "db2"/);
    const json = h.ok(['show', '-json', 'db2.tfplan']);
    assert.match(json.stdout, /POSTGRES_DB/);
    assert.doesNotMatch(json.stdout, new RegExp(PASSWORD));
    assert.doesNotMatch(fs.readFileSync(path.join(h.work, 'db2.tfplan')).toString('latin1'), new RegExp(PASSWORD));
    const state = fs.readFileSync(path.join(h.work, 'terraform.tfstate'), 'utf8');
    assert.match(state, /POSTGRES_USER/);
    assert.doesNotMatch(state, new RegExp(PASSWORD));
    assert.doesNotMatch(h.ok(['show', '-json']).stdout, new RegExp(PASSWORD));
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
    // POSTGRES_DB only names the database initdb creates: the data volume keeps "db".
    assert.equal(await psql({ ...hostPort(after.services[0].hostAddress), password: PASSWORD }, 'select 1'), '1');
    assert.doesNotMatch(fs.readFileSync(path.join(h.work, 'terraform.tfstate'), 'utf8'), new RegExp(PASSWORD));
  });

  it('changes the password only when secret_environment_wo_version changes', async () => {
    const before = await h.client().getApp('samples', 'postgresql');
    h.env.TF_VAR_postgres_password = `${PASSWORD}-2`;
    h.ok(['plan', '-detailed-exitcode', '-input=false', '-var', 'db=db2'], 0);
    h.ok(['apply', '-auto-approve', '-input=false', '-var', 'db=db2', '-var', 'password_version=2']);
    const after = await h.client().getApp('samples', 'postgresql');
    assert.ok(after && before && after.generation > before.generation, 'the machine was redeployed with the new password');
    assert.doesNotMatch(fs.readFileSync(path.join(h.work, 'terraform.tfstate'), 'utf8'), new RegExp(PASSWORD));
    h.ok(['plan', '-detailed-exitcode', '-input=false', '-var', 'db=db2', '-var', 'password_version=2'], 0);
  });

  it('replaces the app on a rename (delete first)', async () => {
    const vars = ['-var', 'db=db2', '-var', 'app_name=postgresql2', '-var', 'password_version=2'];
    const plan = h.ok(['plan', '-detailed-exitcode', '-input=false', ...vars], 2);
    assert.match(plan.stdout, /lttle_app\.postgresql must be replaced/);
    assert.match(plan.stdout, /name\s+=\s+"postgresql" -> "postgresql2" # forces replacement/);
    h.ok(['apply', '-auto-approve', '-input=false', ...vars]);
    assert.equal(await h.client().getApp('samples', 'postgresql'), undefined);
    assert.ok(await h.client().getApp('samples', 'postgresql2'));
    h.ok(['plan', '-detailed-exitcode', '-input=false', ...vars], 0);
  });

  it('imports the app into an empty state; the plan only re-files the environment, and applying it redeploys nothing', async () => {
    const vars = ['-var', 'db=db2', '-var', 'app_name=postgresql2', '-var', 'password_version=2'];
    const before = await h.client().getApp('samples', 'postgresql2');
    h.ok(['state', 'rm', 'lttle_app.postgresql']);
    h.ok(['import', '-input=false', ...vars, 'lttle_app.postgresql', 'samples/postgresql2']);
    // Write-only values are never read back: the import files every variable as
    // secret_environment, which the plan moves to the attributes the config uses.
    const plan = h.ok(['plan', '-detailed-exitcode', '-input=false', ...vars], 2);
    assert.match(plan.stdout, /lttle_app\.postgresql will be updated in-place/);
    assert.doesNotMatch(plan.stdout, /^ {6}[~+-] (resources|mode|volumes|expose|image|name|namespace|services)\b/m);
    h.ok(['apply', '-auto-approve', '-input=false', ...vars]);
    h.ok(['plan', '-detailed-exitcode', '-input=false', ...vars], 0);
    const after = await h.client().getApp('samples', 'postgresql2');
    assert.equal(after?.generation, before?.generation, 'nothing was redeployed');
  });

  it('destroys the app before the volume, leaving nothing in the runtime', async () => {
    h.ok(['destroy', '-auto-approve', '-input=false', '-var', 'db=db2', '-var', 'app_name=postgresql2', '-var', 'password_version=2']);
    assert.deepEqual(await h.client().listApps(), []);
    assert.deepEqual(await h.client().listVolumes(), []);
  });
});
