// Acceptance: bad configuration fails at validate/plan with a diagnostic on
// the attribute, and nothing reaches the runtime.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TerraformHarness } from './fixtures/terraform/harness';

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
});
