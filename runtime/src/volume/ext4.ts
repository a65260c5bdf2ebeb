// ext4 filesystems in sparse files, through e2fsprogs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir } from '../util/atomic-file';
import { run } from '../util/process';

/** Creates `file` as a sparse file of `bytes` and formats it ext4. */
export async function createExt4(file: string, bytes: number, label?: string): Promise<void> {
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    fs.ftruncateSync(fd, bytes);
  } finally {
    fs.closeSync(fd);
  }
  // No reserved blocks: a data volume is for the app, not for root's recovery.
  const args = ['-q', '-F', '-t', 'ext4', '-m', '0', '-E', 'nodiscard'];
  if (label) args.push('-L', label.slice(0, 16));
  await run('mkfs.ext4', [...args, file]);
  fsyncFile(file);
}

/** Grows the file to `bytes` and the filesystem to fill it (offline). */
export async function growExt4(file: string, bytes: number): Promise<void> {
  if (fs.statSync(file).size < bytes) fs.truncateSync(file, bytes);
  // resize2fs insists on a freshly checked filesystem when offline.
  const check = await run('e2fsck', ['-f', '-y', file], { allowFail: true });
  if (check.code >= 4) throw new Error(`e2fsck found errors it could not fix in ${file}: ${check.stdout}${check.stderr}`);
  await run('resize2fs', [file]);
  fsyncFile(file);
}

/** Where a transactional grow builds the grown image; removed by recovery. */
export function growingCopy(file: string): string {
  return `${file}.grow`;
}

/**
 * Grows an unmounted volume so that any failure (ENOSPC, a resize2fs error, a
 * kill) leaves the old image untouched: a sparse copy is grown and checked,
 * then renamed over the image (one atomic step), and the directory fsynced.
 */
export async function growExt4Transactional(file: string, bytes: number): Promise<void> {
  const copy = growingCopy(file);
  fs.rmSync(copy, { force: true });
  try {
    await run('cp', ['--sparse=always', '--reflink=auto', file, copy]);
    await growExt4(copy, bytes);
    fs.renameSync(copy, file);
    fsyncDir(path.dirname(file));
  } catch (err) {
    fs.rmSync(copy, { force: true });
    throw err;
  }
}

/** Bytes the file really occupies on the host (it is sparse). */
export function allocatedBytes(file: string): number {
  return fs.statSync(file).blocks * 512;
}

/** Filesystem size in bytes (block count × block size) from the superblock. */
export async function ext4Size(file: string): Promise<number> {
  const { stdout } = await run('dumpe2fs', ['-h', file]);
  const blocks = Number(/^Block count:\s+(\d+)/m.exec(stdout)?.[1]);
  const blockSize = Number(/^Block size:\s+(\d+)/m.exec(stdout)?.[1]);
  if (!blocks || !blockSize) throw new Error(`cannot read the ext4 superblock of ${file}`);
  return blocks * blockSize;
}

/** Read-only consistency check; true when clean. */
export async function ext4Clean(file: string): Promise<boolean> {
  return (await run('e2fsck', ['-f', '-n', file], { allowFail: true })).code === 0;
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
