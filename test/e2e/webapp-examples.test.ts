// The web app example as a Pulumi program (examples/pulumi-webapp, with mocks)
// and in HCL (examples/terraform-webapp, with the real terraform and provider):
// both take the web app's database address from the PostgreSQL app's output,
// which is what makes the engines create the database first. No VM boots.
import * as assert from 'node:assert/strict';
import * as pulumi from '@pulumi/pulumi';
import { SECRET_SIG, SIG_KEY } from '../../provider/src/pulumi/values';
import { TerraformHarness } from '../fixtures/terraform/harness';
import { type Registered, runExampleWithMocks, typeCheckExample, value } from '../support/pulumi-program';

describe('webapp example: examples/pulumi-webapp (mocks)', function () {
  this.timeout(60_000);
  let registered: Registered[] = [];
  let exports: Record<string, pulumi.Output<unknown>>;

  before(async () => {
    ({ registered, exports } = await runExampleWithMocks('pulumi-webapp', 'lttle-webapp'));
    await value(exports.url);
  });

  it('type-checks against the SDK', () => {
    assert.deepEqual(typeCheckExample('pulumi-webapp'), []);
  });

  it("registers the web app after the database, with the database's service address", () => {
    assert.deepEqual(
      registered.map((r) => `${r.type} ${r.name}`),
      ['lttle:index:Volume pgdata', 'lttle:index:App postgresql', 'lttle:index:App webapp'],
    );
    const webapp = registered[2];
    assert.equal(webapp.inputs.image, 'ghcr.io/lttle-cloud/webapp:1');
    assert.deepEqual(webapp.inputs.mode, { flash: { strategy: { listenOnPort: 8080 }, timeout: 3 } });
    // Secret as a whole: the password is in the same map.
    assert.deepEqual(webapp.inputs.environment, {
      [SIG_KEY]: SECRET_SIG,
      value: { DATABASE_ADDRESS: 'tcp://postgresql-access.samples.svc.lttle.local:5432', PGUSER: 'user', PGPASSWORD: 'password', PGDATABASE: 'db' },
    });
  });

  it("exports the web app's URL", async () => {
    assert.equal(await value(exports.url), 'http://127.0.0.1:48080/');
    assert.equal(await value(exports.database), 'tcp://postgresql-access.samples.svc.lttle.local:5432');
  });
});

describe('webapp example: examples/terraform-webapp (terraform validate)', function () {
  this.timeout(300_000);
  let h: TerraformHarness;

  before(() => {
    h = new TerraformHarness('examples/terraform-webapp');
    h.ok(['init', '-input=false']);
  });
  after(async () => {
    await h.cleanup();
  });

  it('validates with the provider', () => {
    const run = h.ok(['validate', '-no-color']);
    assert.match(run.stdout, /The configuration is valid/);
  });

  it("orders the web app after the database: its DATABASE_ADDRESS is the database's output", () => {
    const graph = h.ok(['graph']).stdout;
    assert.match(graph, /"lttle_app\.webapp" -> "lttle_app\.postgresql"/);
  });
});
