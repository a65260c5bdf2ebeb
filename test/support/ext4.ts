import { execFileSync } from 'node:child_process';

/** `e2fsck -fn`: exit 0 means the filesystem is clean. */
export function fsckClean(file: string): boolean {
  try {
    execFileSync('e2fsck', ['-f', '-n', file], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Filesystem bytes as `dumpe2fs -h` reports them. */
export function dumpe2fsBytes(file: string): number {
  const out = execFileSync('dumpe2fs', ['-h', file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  return Number(/^Block count:\s+(\d+)/m.exec(out)![1]) * Number(/^Block size:\s+(\d+)/m.exec(out)![1]);
}
