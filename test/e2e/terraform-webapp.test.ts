// examples/terraform-webapp end to end with the real terraform and provider:
// the web app's DATABASE_ADDRESS is the PostgreSQL app's output, so terraform
// creates the database first; the next plan is empty; the web app answers.
import * as assert from 'node:assert/strict';
import { outputs, TerraformHarness } from '../fixtures/terraform/harness';

describe('terraform: examples/terraform-webapp (real microVMs)', function () {
  this.timeout(1_800_000);
  let h: TerraformHarness;

  before(() => {
    h = new TerraformHarness('examples/terraform-webapp');
    h.env.TF_VAR_postgres_password = 'webapp-e2e-secret';
    h.ok(['init', '-input=false']);
  });
  after(() => h.destroyAndCleanup());

  it("applies both apps, the web app with the database's internal address; the next plan is empty", async () => {
    const apply = h.ok(['apply', '-auto-approve', '-input=false']);
    // Created in order: the web app's creation starts after the database's finished.
    assert.ok(apply.stdout.indexOf('lttle_app.postgresql: Creation complete') < apply.stdout.indexOf('lttle_app.webapp: Creating...'), apply.stdout);
    assert.doesNotMatch(apply.stdout, /webapp-e2e-secret/);
    const client = h.client();
    const [db, web] = [await client.getApp('samples', 'postgresql'), await client.getApp('samples', 'webapp')];
    assert.equal(web?.spec.environment.DATABASE_ADDRESS, 'tcp://postgresql-access.samples.svc.lttle.local:5432');
    assert.equal(web?.spec.environment.DATABASE_ADDRESS, db?.services.find((s) => s.name === 'access')?.address);
    assert.deepEqual(outputs(h), {
      url: `http://${web?.services.find((s) => s.name === 'http')?.hostAddress}/`,
      database: 'tcp://postgresql-access.samples.svc.lttle.local:5432',
    });
    h.ok(['plan', '-detailed-exitcode', '-input=false'], 0);
  });

  it('the web app answers 200 with the row count from the database', async () => {
    const res = await fetch(outputs(h).url as string, { signal: AbortSignal.timeout(300_000) });
    const body = await res.text();
    assert.equal(res.status, 200, body);
    assert.match(body, /^\{"visits":\d+\}\n$/);
  });
});
