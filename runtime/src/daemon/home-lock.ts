// One daemon per $LTTLE_HOME. The lock is an abstract unix socket named after
// the home's real path: the kernel releases it when the process dies, however
// it dies, so a stale pid file (whose pid may now belong to another process)
// can never block a start. The pid file only tells the refused daemon who holds it.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export class HomeLockedError extends Error {}

export async function acquireHomeLock(home: string): Promise<() => void> {
  const id = crypto.createHash('sha256').update(fs.realpathSync(home)).digest('hex').slice(0, 32);
  const lock = net.createServer();
  await new Promise<void>((resolve, reject) => {
    lock.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') return reject(err);
      const holder = readPid(path.join(home, 'lttled.pid'));
      reject(new HomeLockedError(`another lttled${holder ? ` (pid ${holder})` : ''} is already running for ${home}`));
    });
    lock.listen(`\0lttled-home-${id}`, resolve);
  });
  lock.unref();
  const pidFile = path.join(home, 'lttled.pid');
  fs.writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
  return () => {
    if (readPid(pidFile) === process.pid) fs.rmSync(pidFile, { force: true });
    lock.close();
  };
}

function readPid(file: string): number | undefined {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    return undefined; // no pid file: no holder to name
  }
}
