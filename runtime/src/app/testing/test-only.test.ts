// The fake machine and the lifecycle harness are for tests: a daemon that
// imported them could run apps on a machine that does nothing.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

describe('testing/ is test-only', () => {
  it('no production module of the runtime requires it', () => {
    // The compiled runtime, beside this compiled test: what the daemon actually loads.
    const root = path.resolve(__dirname, '..', '..');
    const offenders = fs
      .readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.js') && !f.endsWith('.test.js') && !f.split(path.sep).includes('testing'))
      .filter((f) => /require\("[^"]*\/testing\//.test(fs.readFileSync(path.join(root, f), 'utf8')));
    assert.deepEqual(offenders, []);
  });
});
