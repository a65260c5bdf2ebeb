import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ImageMemoryBases } from './shared-pages';

// The filesystem of the host's temporary directory: ext4 here and in CI, which cannot share
// blocks between files (XFS can: test/vm/shared-pages.test.ts).
function cannotReflink(dir: string): boolean {
  const probe = path.join(dir, 'probe');
  fs.writeFileSync(probe, 'x');
  try {
    fs.copyFileSync(probe, `${probe}.copy`, fs.constants.COPYFILE_FICLONE_FORCE);
    return false;
  } catch {
    return true;
  } finally {
    fs.rmSync(probe, { force: true });
    fs.rmSync(`${probe}.copy`, { force: true });
  }
}

describe('ImageMemoryBases', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-bases-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('on a filesystem that cannot share blocks, says why once, then shares nothing and keeps no base (else makes the base)', async () => {
    const memory = path.join(dir, 'memory');
    fs.writeFileSync(memory, Buffer.alloc(8192, 7));
    const bases = new ImageMemoryBases(path.join(dir, 'bases'), '/nonexistent/lttle-dedupe');
    if (cannotReflink(dir)) {
      await assert.rejects(bases.share('postgres:17-flash', memory), /cannot share blocks between files \(XFS with reflink or btrfs can\)/);
      assert.equal(await bases.share('postgres:17-flash', memory), undefined);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'bases')), []);
    } else {
      assert.equal((await bases.share('postgres:17-flash', memory))?.becameBase, true);
      assert.deepEqual(fs.readFileSync(bases.basePath('postgres:17-flash')), Buffer.alloc(8192, 7));
    }
    assert.deepEqual(fs.readFileSync(memory), Buffer.alloc(8192, 7), 'the memory file is untouched');
  });

  it('prunes the bases of images no app uses, and copies a killed daemon left unfinished', () => {
    const bases = new ImageMemoryBases(dir);
    const used = bases.basePath('postgres:17-flash');
    const unused = bases.basePath('webapp:1');
    const mine = `${used}.${process.pid}.456.partial`;
    for (const f of [used, `${used}.image`, `${used}.1.2.partial`, mine, unused, `${unused}.image`, `${unused}.123.456.partial`]) fs.writeFileSync(f, '');
    bases.prune(['postgres:17-flash']);
    assert.deepEqual(fs.readdirSync(dir).sort(), [path.basename(used), `${path.basename(used)}.image`, path.basename(mine)].sort());
  });
});
