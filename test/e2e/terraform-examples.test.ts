// The registry-layout examples (examples/provider, examples/resources/*) as a
// user copies them: applied with the real terraform, an empty plan after, the
// data sources read them; the import.sh lines import into an empty state; destroy.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TerraformHarness } from '../fixtures/terraform/harness';
import { hostPort, psql } from '../support/psql';
import { packageRoot } from '../../schema/src/paths';

function importArgs(resource: string): string[] {
  const line = fs
    .readFileSync(path.join(packageRoot(), 'examples', 'resources', resource, 'import.sh'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('terraform import '));
  assert.ok(line, `examples/resources/${resource}/import.sh has a terraform import line`);
  const [command, ...rest] = line.split(/\s+/).slice(1);
  return [command, '-input=false', ...rest];
}

describe('terraform: examples/provider and examples/resources (real microVMs)', function () {
  this.timeout(1_800_000);
  let h: TerraformHarness;

  before(() => {
    h = new TerraformHarness('examples/provider');
    for (const resource of ['lttle_volume', 'lttle_app']) {
      fs.copyFileSync(path.join(packageRoot(), 'examples', 'resources', resource, 'resource.tf'), path.join(h.work, `${resource}.tf`));
    }
    h.env.TF_VAR_postgres_password = 'example-secret';
    h.ok(['init', '-input=false']);
  });
  after(() => h.destroyAndCleanup());

  it('applies the examples as written; the app answers psql; the next plan is empty', async () => {
    h.ok(['apply', '-auto-approve', '-input=false']);
    const app = await h.client().getApp('samples', 'postgresql');
    assert.ok(app && ['ready', 'suspended'].includes(app.state), `state ${app?.state}`);
    const address = app.services.find((s) => s.name === 'access')!.hostAddress;
    assert.equal(await psql({ ...hostPort(address), password: 'example-secret' }, 'select 1'), '1');
    h.ok(['plan', '-detailed-exitcode', '-input=false'], 0);
  });

  it('reads both resources through the examples/data-sources files', async () => {
    for (const resource of ['lttle_volume', 'lttle_app'])
      fs.copyFileSync(path.join(packageRoot(), 'examples', 'data-sources', resource, 'data-source.tf'), path.join(h.work, `data-${resource}.tf`));
    h.ok(['apply', '-auto-approve', '-input=false']);
    const out = JSON.parse(h.ok(['output', '-json']).stdout) as Record<string, { value: unknown }>;
    assert.equal(out.pgdata_size_bytes.value, (await h.client().getVolume('samples', 'pgdata'))?.sizeBytes);
    const app = await h.client().getApp('samples', 'postgresql');
    assert.equal(out.postgresql_host_address.value, app?.services.find((s) => s.name === 'access')?.hostAddress);
  });

  it('imports both resources with their import.sh lines; only the environment is re-filed, which redeploys nothing', async () => {
    const before = await h.client().getApp('samples', 'postgresql');
    h.ok(['state', 'rm', 'lttle_app.postgresql', 'lttle_volume.pgdata']);
    h.ok(importArgs('lttle_volume'));
    h.ok(importArgs('lttle_app'));
    // As import.sh says: write-only values are not read back, so the plan moves
    // the imported secret_environment to environment + secret_environment_wo.
    const plan = h.ok(['plan', '-detailed-exitcode', '-input=false'], 2);
    assert.match(plan.stdout, /Plan: 0 to add, 1 to change, 0 to destroy/);
    assert.match(plan.stdout, /lttle_app\.postgresql will be updated in-place/);
    assert.doesNotMatch(plan.stdout, /^ {6}[~+-] (resources|mode|volumes|expose|image|name|namespace|services)\b/m);
    h.ok(['apply', '-auto-approve', '-input=false']);
    h.ok(['plan', '-detailed-exitcode', '-input=false'], 0);
    assert.equal((await h.client().getApp('samples', 'postgresql'))?.generation, before?.generation, 'nothing was redeployed');
  });
});
