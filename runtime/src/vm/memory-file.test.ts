// The memory file on the host: allocated bytes, and all-zero pages dug out
// without changing a byte. A real sparse file and the real fallocate.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { allocatedBytes, digZeroPages } from './memory-file';

describe('memory file', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-memfile-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('digs out written zero pages: less on disk, the same bytes read back', async () => {
    const file = path.join(dir, 'memory');
    const data = Buffer.alloc(4 * 2 ** 20); // zeros, written: allocated like pages the guest zeroed
    crypto.randomFillSync(data, 0, 64 * 1024); // the first 64 KiB are data
    fs.writeFileSync(file, data);
    fs.truncateSync(file, 8 * 2 ** 20); // and a hole at the end, as never-touched RAM
    const digest = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    assert.ok(allocatedBytes(file) >= 4 * 2 ** 20);

    const freed = await digZeroPages(file);
    assert.ok(freed >= 3 * 2 ** 20, `${freed} bytes freed`);
    assert.ok(allocatedBytes(file) <= 1 * 2 ** 20, `${allocatedBytes(file)} bytes left allocated`);
    assert.equal(fs.statSync(file).size, 8 * 2 ** 20);
    assert.equal(crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'), digest);
  });
});
