import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { locateField } from './locate';

describe('cli: locating a field the runtime refused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-locate-'));
  const file = path.join(dir, 'two.lttle.yaml');
  fs.writeFileSync(file, 'volume:\n  name: a\n  size: 1Gi\n---\napp:\n  name: b\n  image: x\n  volumes:\n    - name: a\n      path: /data\n');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives the line and column of the field in the right document', () => {
    assert.equal(locateField(file, 1, ['size']), 'line 3 col 9');
    assert.equal(locateField(file, 2, ['volumes', 0, 'name']), 'line 9 col 13');
  });

  it('falls back to the nearest field that is in the file, and to nothing for a missing file', () => {
    assert.equal(locateField(file, 2, ['resources', 'memory']), 'line 6 col 3');
    assert.equal(locateField(path.join(dir, 'nope.yaml'), 1, ['size']), undefined);
  });
});
