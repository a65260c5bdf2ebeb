// A daemon setting that cannot be read: the CLI that starts lttled says which
// one and why at once (not after its 20 s wait), and no daemon is left behind.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TestRuntime } from '../support/runtime';

describe('lttled settings: a bad one is named by the CLI that starts the daemon', function () {
  this.timeout(60_000);
  const rt = new TestRuntime('lttle-settings-');
  after(() => rt.dispose());

  for (const [name, value] of [
    ['LTTLE_PAGE_OUT_AFTER_S', 'soon'],
    ['LTTLE_DEEP_BELOW_AVAILABLE_MIB', '-1'],
  ]) {
    it(`${name}=${value}`, async () => {
      rt.env[name] = value;
      try {
        const started = Date.now();
        const res = await rt.cli(['app', 'list']);
        assert.equal(res.code, 1, res.stderr);
        assert.equal(res.stderr.trim(), `lttle: lttled exited while starting (exit 1): ${name} must be a number of at least 0, got "${value}"`);
        assert.ok(Date.now() - started < 15_000, 'said at once, not after the start timeout');
        assert.equal(fs.existsSync(path.join(rt.home, 'lttled.sock')), false, 'no daemon answers');
      } finally {
        delete rt.env[name];
      }
    });
  }
});
