// A filesystem that shares blocks between files (XFS with reflink), made in a
// sparse image file and loop-mounted, so that page sharing and copy-on-write
// memory are tested and measured where they exist (this host's / is ext4).
// Needs root and xfsprogs (make guest-test-prereqs).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export class XfsMount {
  readonly dir: string;
  private readonly root: string;

  constructor(prefix: string, sizeGiB = 16) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const image = path.join(this.root, 'xfs.img');
    this.dir = path.join(this.root, 'mnt');
    fs.mkdirSync(this.dir);
    fs.writeFileSync(image, '');
    fs.truncateSync(image, sizeGiB * 2 ** 30);
    execFileSync('mkfs.xfs', ['-q', '-m', 'reflink=1', image]);
    execFileSync('mount', ['-o', 'loop', image, this.dir]);
  }

  /** Bytes the filesystem has in use: what its files cost, blocks they share counted once. */
  usedBytes(): number {
    const s = fs.statfsSync(this.dir);
    return (s.blocks - s.bfree) * s.bsize;
  }

  dispose(): void {
    try {
      execFileSync('umount', [this.dir], { stdio: 'ignore' });
    } catch {
      // A process still holds a file (a failed test's daemon): detach it now, freed when it exits.
      execFileSync('umount', ['-l', this.dir], { stdio: 'ignore' });
    }
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
