// The guest's RAM file as the host sees it: how much of it is allocated on disk
// (the rest are holes: never touched, or handed back by free page reporting),
// and when that figure stops falling after the guest was asked to give memory back.
import * as fs from 'node:fs';
import { run } from '../util/process';

/** Bytes of the file allocated on disk (its holes excluded). */
export function allocatedBytes(file: string): number {
  return (fs.statSync(file, { throwIfNoEntry: false })?.blocks ?? 0) * 512;
}

export interface Settling {
  /** Polls the file this often. */
  pollMs: number;
  /** Settled once the allocated size has not changed for this long. */
  quietMs: number;
  /** Gives up waiting (what is reported by then stays reported). */
  maxMs: number;
}

/** What a running guest handed back of its memory (reclaimMemory). */
export interface MemoryReclaim {
  /** Allocated bytes of the memory file before and after. */
  beforeBytes: number;
  afterBytes: number;
  /** The guest's free memory after dropping its caches. */
  guestFreeBytes: number;
  ms: number;
}

/** Free pages are zeroed in the guest (init_on_free) and dug out after QEMU exits, so reporting need not finish: a short wait. */
export const RECLAIM_SETTLING: Settling = { pollMs: 100, quietMs: 500, maxMs: 3000 };

/**
 * The guest kernel reports free memory about 2 s after it was freed, in
 * batches, so the file shrinks in steps: waits until it has been still for
 * `quietMs` (longer than the kernel's delay) or `maxMs` passed; resolves with
 * the allocated bytes then.
 */
export async function waitUntilSettled(file: string, s: Settling): Promise<number> {
  const started = Date.now();
  let last = allocatedBytes(file);
  let stillSince = started;
  while (Date.now() - started < s.maxMs) {
    await new Promise((r) => setTimeout(r, s.pollMs));
    const now = allocatedBytes(file);
    if (now !== last) {
      last = now;
      stillSince = Date.now();
    } else if (Date.now() - stillSince >= s.quietMs) break;
  }
  return last;
}

/**
 * Turns the file's all-zero pages into holes (`fallocate --dig-holes`): the
 * guest zeroes pages it allocates and frees many of them again, and free page
 * reporting misses what is free in blocks under 2 MiB. A hole reads back as
 * the zeros it replaces, so this changes no byte; it is done only once no
 * process maps the file (QEMU has exited), and a crash halfway leaves a file
 * that reads the same. Resolves with the bytes freed.
 */
export async function digZeroPages(file: string): Promise<number> {
  const before = allocatedBytes(file);
  await run('fallocate', ['--dig-holes', file]);
  return before - allocatedBytes(file);
}
