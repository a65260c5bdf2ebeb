// Persisted snapshots: guest RAM lives in a shared memory-backend file, so a
// snapshot is only the device state, migrated to a file with x-ignore-shared
// (milliseconds, tens of KB). A new QEMU started with `-incoming defer` on the
// same memory file restores it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncFile } from '../util/atomic-file';
import type { QmpClient } from './qmp';

const MIGRATION_TIMEOUT_MS = 60_000;

async function ignoreShared(qmp: QmpClient): Promise<void> {
  await qmp.execute('migrate-set-capabilities', { capabilities: [{ capability: 'x-ignore-shared', state: true }] });
}

async function waitForMigration(qmp: QmpClient): Promise<void> {
  const deadline = Date.now() + MIGRATION_TIMEOUT_MS;
  for (;;) {
    const info = await qmp.execute<{ status?: string; 'error-desc'?: string }>('query-migrate');
    if (info.status === 'completed') return;
    if (info.status === 'failed' || info.status === 'cancelled') throw new Error(`migration ${info.status}: ${info['error-desc'] ?? 'no reason given'}`);
    if (Date.now() > deadline) throw new Error('migration did not complete in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Saves the device state of a paused machine to `file` (atomically). */
export async function saveSnapshot(qmp: QmpClient, file: string): Promise<void> {
  const tmp = `${file}.tmp`;
  fs.rmSync(tmp, { force: true });
  await ignoreShared(qmp);
  await qmp.execute('migrate', { uri: `exec:cat > '${tmp.replace(/'/g, "'\\''")}'` });
  await waitForMigration(qmp);
  fsyncFile(tmp);
  fs.renameSync(tmp, file);
  fsyncFile(path.dirname(file));
}

/** Loads `file` into a QEMU started with `-incoming defer`; the machine stays paused. */
export async function restoreSnapshot(qmp: QmpClient, file: string): Promise<void> {
  await ignoreShared(qmp);
  await qmp.execute('migrate-incoming', { uri: `exec:cat '${file.replace(/'/g, "'\\''")}'` });
  await waitForMigration(qmp);
}
