// The snapshot a flash-mode suspend leaves next to the machine's overlay (only
// device state: guest RAM stays in the shared memory file). It is worth
// restoring only over the disks it was taken with: the same machine generation,
// and no guest run since, or it would roll volume data back.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Machine } from '../vm/machine';
import { restoreSnapshot, saveSnapshot } from '../vm/snapshot';
import type { AppState, SnapshotInfo } from './app-state';

export class SnapshotFiles {
  readonly file: string;

  constructor(private readonly app: AppState) {
    this.file = path.join(app.dir, 'snapshot.state');
  }

  /** The persisted snapshot, if it was taken of the current machine generation and is still on disk. */
  usable(): SnapshotInfo | undefined {
    const { snapshot, generation } = this.app.record;
    return snapshot?.generation === generation && fs.existsSync(this.file) ? snapshot : undefined;
  }

  /** Saves a paused machine; the record learns of it with the next persisted state. */
  async save(machine: Machine, generation: number, forwards: Record<string, number>): Promise<void> {
    await saveSnapshot(machine.qmp, this.file);
    this.app.record.snapshot = { generation, takenAt: new Date().toISOString(), forwards: { ...forwards } };
  }

  /** Loads the snapshot into a machine started to receive it; it stays paused. */
  load(machine: Machine): Promise<void> {
    return restoreSnapshot(machine.qmp, this.file);
  }

  /** Forgets the snapshot: the guest ran (or is replaced) since it was taken. */
  drop(): void {
    if (!this.app.record.snapshot) return;
    this.app.record.snapshot = undefined;
    this.app.persist();
    fs.rmSync(this.file, { force: true });
  }
}
