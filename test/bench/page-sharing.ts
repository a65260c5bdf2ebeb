// Identical pages between two apps' memory files: what a shared copy (one per
// image, pages of the kernel and PostgreSQL's code) would save. 4 KiB pages
// compared by hash; holes and all-zero pages are left out (they cost no disk,
// and a zero page is never worth sharing).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { extents, unionBytes } from '../support/fiemap';

const PAGE = 4096;
const CHUNK = 256 * PAGE;

/** Hashes of the file's non-zero pages, each with how often it occurs. */
function pageHashes(file: string): Map<string, number> {
  const hashes = new Map<string, number>();
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(CHUNK);
  try {
    for (let offset = 0; ; offset += CHUNK) {
      const n = fs.readSync(fd, buf, 0, CHUNK, offset);
      if (n <= 0) break;
      for (let p = 0; p + PAGE <= n; p += PAGE) {
        const page = buf.subarray(p, p + PAGE);
        if (page.every((b) => b === 0)) continue;
        const h = crypto.createHash('sha1').update(page).digest('base64');
        hashes.set(h, (hashes.get(h) ?? 0) + 1);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return hashes;
}

export interface PageSharing {
  /** Non-zero pages of the second file, in bytes. */
  bytes: number;
  /** Of those, bytes whose content also occurs in the first file. */
  identicalBytes: number;
}

export function identicalPages(first: string, second: string): PageSharing {
  const a = pageHashes(first);
  let pages = 0;
  let identical = 0;
  for (const [h, count] of pageHashes(second)) {
    pages += count;
    if (a.has(h)) identical += count;
  }
  return { bytes: pages * PAGE, identicalBytes: identical * PAGE };
}

/** Disk the files take together, a block shared by several of them (reflink, dedupe) counted once. */
export function diskOfFiles(files: string[]): number {
  return unionBytes(files.filter((f) => fs.existsSync(f)).map(extents));
}

/** Bytes of `second`'s non-zero pages that differ from `first`'s page at the same offset (what a branch changed). */
export function changedPages(first: string, second: string): number {
  const a = fs.openSync(first, 'r');
  const b = fs.openSync(second, 'r');
  const x = Buffer.alloc(CHUNK);
  const y = Buffer.alloc(CHUNK);
  let changed = 0;
  try {
    for (let offset = 0; ; offset += CHUNK) {
      const n = fs.readSync(b, y, 0, CHUNK, offset);
      if (n <= 0) break;
      const m = fs.readSync(a, x, 0, CHUNK, offset);
      for (let p = 0; p + PAGE <= n; p += PAGE) {
        const page = y.subarray(p, p + PAGE);
        if (page.every((v) => v === 0)) continue;
        if (p + PAGE > m || !page.equals(x.subarray(p, p + PAGE))) changed += PAGE;
      }
    }
  } finally {
    fs.closeSync(a);
    fs.closeSync(b);
  }
  return changed;
}

/** Every regular file under `dir`. */
export function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = `${dir}/${e.name}`;
    if (e.isDirectory()) return filesUnder(file);
    return e.isFile() ? [file] : [];
  });
}
