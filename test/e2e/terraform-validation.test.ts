// Acceptance: bad configuration fails at validate/plan with a diagnostic on
// the attribute, and nothing reaches the runtime.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TerraformHarness } from '../fixtures/terraform/harness';

describe('terraform: invalid configuration', function () {
  this.timeout(300_000);
  const cases: { fixture: string; attribute: RegExp; message: RegExp }[] = [
    // terraform highlights the attribute's line for top-level attributes; for
    // one inside a nested object it shows the block, and the detail names it.
    { fixture: 'bad-size', attribute: /\d+:\s+size = "100Zi"/, message: /size must be a size[\s\S]*unknown\s+unit "Zi"/ },
    { fixture: 'bad-strategy', attribute: /resource "lttle_app" "bad"/, message: /mode\.flash\.strategy must\s+be\s+one\s+of\s+"manual"/ },
  ];
  for (const c of cases) {
    it(`${c.fixture}: a diagnostic naming the attribute, nothing created`, async () => {
      const h = new TerraformHarness(c.fixture);
      try {
        h.ok(['init', '-input=false']);
        const validate = h.terraform('validate', '-no-color');
        assert.equal(validate.code, 1, validate.stdout + validate.stderr);
        const apply = h.terraform('apply', '-auto-approve', '-input=false');
        assert.equal(apply.code, 1);
        assert.match(apply.stderr, /Invalid lttle_(volume|app) configuration/);
        assert.match(apply.stderr, c.attribute);
        assert.match(apply.stderr, c.message);
        assert.equal(fs.existsSync(path.join(h.home, 'lttled.sock')), false, 'the runtime was never contacted');
      } finally {
        await h.cleanup();
      }
    });
  }

  // The provider block is checked at plan time (ValidateProviderConfig), before
  // anything is configured or applied; the diagnostic points at the attribute.
  const providerCases: { fixture: string; attribute: RegExp; message: RegExp; summary: RegExp }[] = [
    { fixture: 'bad-host', summary: /Invalid provider configuration/, attribute: /\d+:\s+host = "ftp:\/\/nowhere"/, message: /host must be unix:\/\/\// },
    { fixture: 'empty-token', summary: /Invalid provider configuration/, attribute: /\d+:\s+token = ""/, message: /token must not be empty/ },
    { fixture: 'bad-timeout', summary: /Invalid timeout/, attribute: /resource "lttle_volume" "v"/, message: /timeouts\.create must be a duration/ },
  ];
  for (const c of providerCases) {
    it(`${c.fixture}: plan fails with a diagnostic on the attribute, nothing created`, async () => {
      const h = new TerraformHarness(c.fixture);
      try {
        h.ok(['init', '-input=false']);
        const plan = h.terraform('plan', '-input=false');
        assert.equal(plan.code, 1, plan.stdout + plan.stderr);
        assert.match(plan.stderr, c.summary);
        assert.match(plan.stderr, c.attribute);
        assert.match(plan.stderr, c.message);
        assert.equal(fs.existsSync(path.join(h.home, 'lttled.sock')), false, 'the runtime was never contacted');
      } finally {
        await h.cleanup();
      }
    });
  }
});
