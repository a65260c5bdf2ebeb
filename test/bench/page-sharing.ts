// Identical pages between two apps' memory files: what a shared copy (one per
// image, pages of the kernel and PostgreSQL's code) would save. 4 KiB pages
// compared by hash; holes and all-zero pages are left out (they cost no disk,
// and a zero page is never worth sharing).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';

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
