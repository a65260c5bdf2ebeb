// One daemon per $LTTLE_HOME: a pid file created exclusively. A stale file
// (its process gone) is taken over; a live holder makes the new daemon refuse.
import * as fs from 'node:fs';
import * as path from 'node:path';

export class HomeLockedError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireHomeLock(home: string): () => void {
  const file = path.join(home, 'lttled.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      return () => {
        try {
          if (Number(fs.readFileSync(file, 'utf8')) === process.pid) fs.rmSync(file);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(file, 'utf8').trim());
      if (holder && holder !== process.pid && alive(holder)) {
        throw new HomeLockedError(`another lttled (pid ${holder}) is already running for ${home}`);
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new HomeLockedError(`could not take the lock ${file}`);
}
