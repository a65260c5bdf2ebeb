import * as fs from 'node:fs';
import * as path from 'node:path';
import { InsufficientStorageError } from '../../../schema/src/errors';

/**
 * Replaces `file` with `data` so that a crash at any moment leaves either the
 * old or the new content, never a torn one: write a temp file, fsync it,
 * rename over the target, fsync the directory so the rename itself is durable.
 */
export function writeFileAtomic(file: string, data: string | Buffer, mode = 0o600): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  try {
    const fd = fs.openSync(tmp, 'w', mode);
    try {
      fs.writeSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw noSpaceAsDomainError(err, dir, bytes.length);
  }
  fsyncDir(dir);
}

/** ENOSPC/EDQUOT become the API's 507, naming the place and the bytes needed; other errors pass through. */
export function noSpaceAsDomainError(err: unknown, where: string, bytes: number): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return err;
  return new InsufficientStorageError(
    `no space left on the filesystem of ${where} (needed ${bytes} bytes more); free some space there: reads and deletes keep working`,
  );
}

/** Removes a file durably (the directory entry change is fsynced). */
export function removeFileDurable(file: string): void {
  fs.rmSync(file, { force: true });
  fsyncDir(path.dirname(file));
}

/** fsync of a file or a directory (a rename is durable only once its directory is). */
export function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export const fsyncDir = fsyncFile;
