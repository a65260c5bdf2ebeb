// Import that converges: minimal configurations (every default left out) are
// applied, removed from the state and imported by ID; like the plugin SDK's
// ImportStateVerify, the imported state must equal the applied one attribute
// by attribute, and the next plan must be empty. Then `-generate-config-out`
// writes a configuration that applies with no change but the environment.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TerraformHarness } from '../fixtures/terraform/harness';

interface StateResource {
  address: string;
  values: Record<string, unknown>;
  sensitive_values: Record<string, unknown>;
}

function stateOf(h: TerraformHarness): Map<string, StateResource> {
  const shown = JSON.parse(h.ok(['show', '-json']).stdout) as { values?: { root_module?: { resources?: StateResource[] } } };
  return new Map((shown.values?.root_module?.resources ?? []).map((r) => [r.address, r]));
}

describe('terraform: import converges on minimal configurations (real microVM)', function () {
  this.timeout(1_800_000);
  let h: TerraformHarness;

  before(() => {
    h = new TerraformHarness('minimal');
    h.ok(['init', '-input=false']);
  });
  after(() => h.destroyAndCleanup());

  it('applies the minimal configuration; the next plan is empty', () => {
    h.ok(['apply', '-auto-approve', '-input=false']);
    h.ok(['plan', '-detailed-exitcode', '-input=false'], 0);
  });

  it('imports both resources into a state equal to the applied one, attribute by attribute, and plans no change', async () => {
    // Compared with the refreshed state, as ImportStateVerify does (the volume's
    // attached_to, for one, is only known after the app attached it).
    h.ok(['apply', '-refresh-only', '-auto-approve', '-input=false']);
    const applied = stateOf(h);
    const generation = (await h.client().getApp('default', 'pg'))?.generation;
    h.ok(['state', 'rm', 'lttle_app.pg', 'lttle_volume.data']);
    h.ok(['import', '-input=false', 'lttle_volume.data', 'default/data']);
    h.ok(['import', '-input=false', 'lttle_app.pg', 'default/pg']);
    const imported = stateOf(h);
    for (const address of ['lttle_volume.data', 'lttle_app.pg']) {
      const a = applied.get(address)!.values;
      const b = imported.get(address)!.values;
      // The app's machine state may have moved between the two reads (ready -> suspended).
      const ignore = address === 'lttle_app.pg' ? ['state'] : [];
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        if (ignore.includes(key)) continue;
        assert.deepEqual(b[key], a[key], `${address}.${key}: imported ${JSON.stringify(b[key])}, applied ${JSON.stringify(a[key])}`);
      }
      assert.deepEqual(imported.get(address)!.sensitive_values, applied.get(address)!.sensitive_values, `${address}: the same values are sensitive`);
    }
    h.ok(['plan', '-detailed-exitcode', '-input=false'], 0);
    assert.equal((await h.client().getApp('default', 'pg'))?.generation, generation, 'nothing was redeployed');
  });

  it('-generate-config-out writes a configuration that applies with no change but the environment', async () => {
    const generation = (await h.client().getApp('default', 'pg'))?.generation;
    h.ok(['state', 'rm', 'lttle_app.pg']);
    const main = path.join(h.work, 'main.tf');
    const config = fs.readFileSync(main, 'utf8');
    // The app's block replaced by an import block: terraform writes the resource itself.
    fs.writeFileSync(main, config.replace(/resource "lttle_app" "pg" \{[\s\S]*\n\}\n/, 'import {\n  to = lttle_app.pg\n  id = "default/pg"\n}\n'));
    h.ok(['plan', '-input=false', '-generate-config-out=generated.tf']);
    const generated = fs.readFileSync(path.join(h.work, 'generated.tf'), 'utf8');
    assert.match(generated, /resource "lttle_app" "pg"/);
    assert.doesNotMatch(generated, /minimal-secret/, 'secrets are not written into the generated configuration');
    // Terraform writes sensitive values as null: the user puts the secret back, as the docs say.
    assert.match(generated, /secret_environment\s+= null # sensitive/);
    fs.writeFileSync(
      path.join(h.work, 'generated.tf'),
      generated.replace(/secret_environment\s+= null # sensitive/, 'secret_environment = { POSTGRES_PASSWORD = "minimal-secret" }'),
    );
    const plan = h.ok(['plan', '-input=false']);
    assert.match(plan.stdout, /Plan: 1 to import, 0 to add, 0 to change, 0 to destroy/);
    h.ok(['apply', '-auto-approve', '-input=false']);
    h.ok(['plan', '-detailed-exitcode', '-input=false'], 0);
    assert.equal((await h.client().getApp('default', 'pg'))?.generation, generation, 'nothing was redeployed');
  });
});
