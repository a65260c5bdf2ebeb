// The registry-layout examples (examples/provider, examples/resources/*) as a
// user copies them: applied with the real terraform, an empty plan after, the
// import.sh line imports into an empty state with an empty plan, destroy.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TerraformHarness } from './fixtures/terraform/harness';
import { hostPort, psql } from './support/psql';
import { packageRoot } from '../schema/src/paths';

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
  after(async () => {
    try {
      h.terraform('destroy', '-auto-approve', '-input=false');
    } finally {
      await h.cleanup();
    }
  });

  it('applies the examples as written; the app answers psql; the next plan is empty', async () => {
    h.ok(['apply', '-auto-approve', '-input=false']);
    const app = await h.client().getApp('samples', 'postgresql');
    assert.ok(app && ['ready', 'suspended'].includes(app.state), `state ${app?.state}`);
    const address = app.services.find((s) => s.name === 'access')!.hostAddress;
    assert.equal(await psql({ ...hostPort(address), password: 'example-secret' }, 'select 1'), '1');
    h.ok(['plan', '-detailed-exitcode', '-input=false'], 0);
  });

  it('imports both resources with their import.sh lines into an empty state, then plans no change', () => {
    h.ok(['state', 'rm', 'lttle_app.postgresql', 'lttle_volume.pgdata']);
    h.ok(importArgs('lttle_volume'));
    h.ok(importArgs('lttle_app'));
    h.ok(['plan', '-detailed-exitcode', '-input=false'], 0);
  });
});
