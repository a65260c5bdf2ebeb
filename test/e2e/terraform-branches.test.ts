// examples/terraform-branches (the HCL twin of examples/pulumi-branches) with
// the real terraform: the seed alone, then a branch per name in var.branches
// with the seed's rows at its own address, an empty plan after, a dropped name
// deleting only that branch and its volume, destroy leaving nothing.
import * as assert from 'node:assert/strict';
import { outputs, TerraformHarness } from '../fixtures/terraform/harness';
import { hostPort, psql } from '../support/psql';

describe('terraform: examples/terraform-branches, one branch of the seed per name (real microVMs)', function () {
  this.timeout(1_800_000);
  let h: TerraformHarness;
  const db = (address: unknown, sql: string) => psql(hostPort(String(address)), sql, 300_000);

  before(() => {
    h = new TerraformHarness('examples/terraform-branches');
    h.ok(['init', '-input=false']);
  });
  after(() => h.destroyAndCleanup());

  it('creates a branch per name with the seed rows, plans nothing more, deletes a dropped branch with its volume', async () => {
    h.ok(['apply', '-auto-approve', '-input=false']);
    const seed = outputs(h).seed_host_address;
    await db(seed, "create table pr (v text); insert into pr values ('from the seed')");

    h.ok(['apply', '-auto-approve', '-input=false', '-var', 'branches=["alpha","beta"]']);
    const branches = outputs(h).branch_host_addresses as Record<string, string>;
    assert.deepEqual(Object.keys(branches).sort(), ['alpha', 'beta']);
    await db(branches.alpha, "insert into pr values ('alpha only')");
    assert.equal(await db(branches.beta, "select string_agg(v, ',') from pr"), 'from the seed');
    assert.equal(await db(branches.alpha, 'select count(*) from pr'), '2');
    assert.equal(await db(seed, 'select count(*) from pr'), '1');
    h.ok(['plan', '-detailed-exitcode', '-input=false', '-var', 'branches=["alpha","beta"]'], 0);

    h.ok(['apply', '-auto-approve', '-input=false', '-var', 'branches=["beta"]']);
    assert.equal(await h.client().getApp('previews', 'preview-alpha'), undefined);
    assert.equal(await h.client().getVolume('previews', 'preview-alpha-pgdata'), undefined, "the dropped branch's volume is gone");
    assert.equal(await db(branches.beta, 'select count(*) from pr'), '1');

    h.ok(['destroy', '-auto-approve', '-input=false', '-var', 'branches=["beta"]']);
    assert.deepEqual(await h.client().listApps(), []);
    assert.deepEqual(await h.client().listVolumes(), []);
  });
});
