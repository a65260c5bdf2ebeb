import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ImageStore } from './image-store';

describe('image store: its references file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-images-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is empty without a log line when there is none yet', () => {
    const lines: string[] = [];
    assert.deepEqual(new ImageStore(path.join(dir, 'new'), [], (l) => lines.push(l)).refs(), {});
    assert.deepEqual(lines, []);
  });

  it('says so in the log when it cannot be read, instead of silently forgetting every reference', () => {
    const lines: string[] = [];
    const root = path.join(dir, 'torn');
    const store = new ImageStore(root, [], (l) => lines.push(l));
    fs.writeFileSync(path.join(root, 'refs.json'), '{"postgres:17-fl');
    assert.deepEqual(store.refs(), {});
    assert.equal(lines.length, 1);
    assert.match(lines[0], new RegExp(`^image store: cannot read ${path.join(root, 'refs.json')}: `));
  });
});
