// Where a file's blocks lie on disk (FIEMAP, read with xfs_io from xfsprogs): what
// the tests and benches of page sharing count, blocks shared by files once.
import { execFileSync } from 'node:child_process';

/** A run of the file's blocks on the device, in bytes; `shared` when another file holds them too. */
export interface Extent {
  from: number;
  to: number;
  shared: boolean;
}

const FIEMAP_EXTENT_SHARED = 0x2000;

export function extents(file: string): Extent[] {
  const map = execFileSync('xfs_io', ['-r', '-c', 'fiemap -v', file], { encoding: 'utf8' });
  // `  0: [0..7]:   215720..215727   8 0x2000` (holes say `hole` and are left out)
  return [...map.matchAll(/^\s*\d+: \[\d+\.\.\d+\]:\s+(\d+)\.\.(\d+)\s+\d+\s+0x([0-9a-f]+)/gm)].map((m) => ({
    from: Number(m[1]) * 512,
    to: (Number(m[2]) + 1) * 512,
    shared: (parseInt(m[3], 16) & FIEMAP_EXTENT_SHARED) !== 0,
  }));
}

/** Bytes of the file in extents the filesystem flags shared. */
export function sharedBytes(file: string): number {
  return extents(file).reduce((sum, e) => sum + (e.shared ? e.to - e.from : 0), 0);
}

/** Bytes of the device the extents cover together, a block several of them hold counted once. */
export function unionBytes(extentLists: Extent[][]): number {
  const sorted = extentLists.flat().sort((a, b) => a.from - b.from);
  let bytes = 0;
  let end = -1;
  for (const { from, to } of sorted) {
    if (to <= end) continue;
    bytes += to - Math.max(from, end);
    end = to;
  }
  return bytes;
}
