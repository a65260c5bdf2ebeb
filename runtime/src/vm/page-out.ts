// The paged-out tier. A machine's guest RAM is a shared mapping of its memory
// file, so the RAM of a paused QEMU can be written back to that file and dropped
// from host memory while the process stays: its device state, its TCG
// translation cache and the client connections wired through it are kept, and a
// wake faults the pages back in from the file (the page cache, or the disk).
// process_madvise(MADV_PAGEOUT) on another process has no Node binding: the C
// helper runtime/host/pageout.c makes the call (built by `make guest`).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../../schema/src/paths';
import { CommandError, run } from '../util/process';

export interface PageOut {
  /** Bytes of guest RAM resident in host memory before and after. */
  residentBeforeBytes: number;
  residentAfterBytes: number;
  ms: number;
}

export function pageOutHelper(env: NodeJS.ProcessEnv = process.env): string {
  return env.LTTLE_PAGEOUT_HELPER || path.join(env.LTTLE_BUILD || path.join(packageRoot(), 'build'), 'host', 'lttle-pageout');
}

/** Resident bytes of `file`'s mappings in process `pid` (the Rss lines of /proc/PID/smaps). */
export function residentBytes(pid: number, file: string): number {
  // The kernel prints the canonical path: a relative or symlinked home must match it.
  const real = fs.realpathSync(file);
  let total = 0;
  let inFile = false;
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    // A mapping's header: `start-end perms offset dev inode path`.
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inFile = line.endsWith(` ${real}`);
    else if (inFile && line.startsWith('Rss:')) total += Number(/(\d+) kB/.exec(line)?.[1] ?? 0) * 1024;
  }
  return total;
}

/** Writes the file's dirty pages to disk: the long part of a page-out, done first and apart. */
export async function writeBack(file: string): Promise<void> {
  const handle = await fs.promises.open(file, 'r');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** Writes back and drops the guest RAM of the paused QEMU `pid`; throws saying why it could not. */
export async function pageOut(pid: number, memoryFile: string): Promise<PageOut> {
  const helper = pageOutHelper();
  if (!fs.existsSync(helper)) throw new Error(`${helper} is missing (make guest builds it)`);
  const started = Date.now();
  const residentBeforeBytes = residentBytes(pid, memoryFile);
  try {
    await run(helper, [String(pid), memoryFile]);
  } catch (err) {
    if (err instanceof CommandError && err.result.code === 3)
      throw new Error('lttled may not page out the memory of its machines: process_madvise needs CAP_SYS_NICE');
    throw err;
  }
  return { residentBeforeBytes, residentAfterBytes: residentBytes(pid, memoryFile), ms: Date.now() - started };
}
