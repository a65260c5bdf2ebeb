// The snapshot a flash-mode suspend leaves next to the machine's overlay: the
// device state (guest RAM stays in the shared memory file) and a header that
// says what both belong to. It is worth restoring only over the disks it was
// taken with: the same machine generation, the same volumes at the same size
// and generation, and no guest run since, or it would roll volume data back.
//
// Durability: the device state is written to a temporary name, fsynced,
// renamed and its directory fsynced; the memory file is QEMU's live RAM (it
// cannot be renamed into place) so it is fsynced before the header that
// vouches for it is written, last, the same way. A header marked durable
// survives a host crash; one that is not (an ordinary suspend: fsyncing the
// RAM at every suspend would cost seconds) is trusted only within the same
// host boot, when the page cache still holds what QEMU wrote.
//
// The header also names the machine's optional devices (format 3): they are
// part of the device state, so a restore starts QEMU with the same ones.
// Formats 1 and 2 were written before there were any: none.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncFile } from '../util/atomic-file';
import type { AppState, SnapshotInfo } from '../app/app-state';
import type { RunningMachine, SnapshotSource } from '../app/machine-driver';
import { BOOT_DEVICES, type OptionalDevice } from '../vm/qemu-command';

/** Each mounted volume's identity as it is now (-1 for a volume that is gone): what a header records and a restore compares. */
export function volumeIdentities(
  mounts: readonly { namespace: string; name: string }[],
  lookup: (namespace: string, name: string) => { sizeBytes: number; generation: number } | undefined,
): VolumeIdentity[] {
  return mounts.map((v) => {
    const volume = lookup(v.namespace, v.name);
    return { id: `${v.namespace}/${v.name}`, bytes: volume?.sizeBytes ?? -1, generation: volume?.generation ?? -1 };
  });
}

/** What a volume was when the snapshot was taken. */
export interface VolumeIdentity {
  id: string;
  bytes: number;
  generation: number;
}

interface SnapshotHeader {
  format: 3;
  app: string;
  machineGeneration: number;
  bootId: string;
  durable: boolean;
  takenAt: string;
  state: { bytes: number; sha256: string };
  memoryBytes: number;
  volumes: VolumeIdentity[];
  forwards: Record<string, number>;
  devices: OptionalDevice[];
}

/** Format 2 had no optional devices; format 1 also named the machine generation `generation`. Both still restored. */
type Format2Header = Omit<SnapshotHeader, 'format' | 'devices'> & { format: 2 };
type StoredHeader = SnapshotHeader | Format2Header | (Omit<Format2Header, 'format' | 'machineGeneration'> & { format: 1; generation: number });

const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';

function bootId(): string {
  try {
    return fs.readFileSync(BOOT_ID_FILE, 'utf8').trim();
  } catch {
    return 'unknown'; // no /proc (not Linux): the host's restarts cannot be told apart
  }
}

const sha256 = (data: Buffer | string) => crypto.createHash('sha256').update(data).digest('hex');

export class SnapshotFiles implements SnapshotSource {
  readonly file: string;
  readonly headerFile: string;
  readonly memoryFile: string;

  constructor(
    private readonly app: AppState,
    /** The app's volumes as they are now (size and generation). */
    private readonly volumes: () => VolumeIdentity[],
  ) {
    this.file = path.join(app.dir, 'snapshot.state');
    this.headerFile = path.join(app.dir, 'snapshot.meta');
    this.memoryFile = path.join(app.dir, 'memory');
  }

  /** The persisted snapshot if it may be restored now; else undefined. */
  usable(): SnapshotInfo | undefined {
    const checked = this.check();
    return 'info' in checked ? checked.info : undefined;
  }

  /** The persisted snapshot, or why it must not be restored (a cold boot follows). */
  check(): { info: SnapshotInfo } | { reason: string } {
    const { snapshot, machineGeneration } = this.app.record;
    if (!snapshot) return { reason: 'no snapshot was taken' };
    if (snapshot.machineGeneration !== machineGeneration)
      return { reason: `the snapshot belongs to machine generation ${snapshot.machineGeneration}, the app is at ${machineGeneration}` };
    let header: StoredHeader;
    try {
      const stored = JSON.parse(fs.readFileSync(this.headerFile, 'utf8')) as { header: StoredHeader; checksum: string };
      if (sha256(JSON.stringify(stored.header)) !== stored.checksum) return { reason: 'the snapshot header fails its checksum (torn write)' };
      header = stored.header;
    } catch (err) {
      return { reason: `the snapshot header is unreadable (${(err as Error).message})` };
    }
    const headerGeneration = header.format === 1 ? header.generation : header.machineGeneration;
    if (header.app !== this.app.id || headerGeneration !== machineGeneration) return { reason: 'the snapshot header belongs to another machine' };
    if (!header.durable && header.bootId !== bootId()) return { reason: 'the host restarted since the snapshot, which was not yet durable' };
    let state: Buffer;
    try {
      state = fs.readFileSync(this.file);
    } catch {
      return { reason: 'the device state file is missing' };
    }
    if (state.length !== header.state.bytes || sha256(state) !== header.state.sha256) return { reason: 'the device state file fails its checksum' };
    const memory = fs.statSync(this.memoryFile, { throwIfNoEntry: false });
    if (!memory || memory.size !== header.memoryBytes) return { reason: 'the memory file is missing or has another size' };
    const now = this.volumes();
    for (const then of header.volumes) {
      const v = now.find((n) => n.id === then.id);
      if (!v) return { reason: `volume ${then.id} is gone` };
      if (v.bytes !== then.bytes || v.generation !== then.generation)
        return { reason: `volume ${then.id} changed since the snapshot (${then.bytes} → ${v.bytes} bytes, generation ${then.generation} → ${v.generation})` };
    }
    if (now.length !== header.volumes.length) return { reason: 'the app has other volumes than the snapshot' };
    const devices = header.format === 3 ? header.devices : [];
    const unknown = devices.filter((d) => !BOOT_DEVICES.includes(d));
    if (unknown.length) return { reason: `the snapshot's machine has devices this version cannot start (${unknown.join(', ')})` };
    return { info: { ...snapshot, devices } };
  }

  /** Saves a paused machine and tells the record of it. */
  async save(machine: RunningMachine, machineGeneration: number, forwards: Readonly<Record<string, number>>): Promise<void> {
    // The old header goes first: from here until the new one is written no snapshot is valid.
    this.removeHeader();
    await machine.saveSnapshot(this.file);
    const info: SnapshotInfo = { machineGeneration, takenAt: new Date().toISOString(), forwards: { ...forwards }, devices: [...machine.devices] };
    this.writeHeader(info, false);
    this.app.setSnapshot(info);
  }

  /** Makes the snapshot survive a host crash: the RAM reaches the disk, then a header says so. */
  makeDurable(): void {
    const info = this.app.record.snapshot;
    if (!info) throw new Error('no snapshot to make durable');
    fsyncFile(this.memoryFile);
    this.writeHeader(info, true);
  }

  /** Bytes the snapshot takes on disk: allocated blocks of the (sparse) memory file and the device state. */
  diskBytes(): number {
    let total = 0;
    for (const f of [this.memoryFile, this.file, this.headerFile]) total += (fs.statSync(f, { throwIfNoEntry: false })?.blocks ?? 0) * 512;
    return total;
  }

  /** Loads the snapshot into a machine started to receive it; it stays paused. */
  load(machine: RunningMachine): Promise<void> {
    return machine.loadSnapshot(this.file);
  }

  /** Forgets the snapshot: the guest ran (or is replaced) since it was taken. */
  drop(): void {
    this.removeHeader();
    fs.rmSync(this.file, { force: true });
    this.app.setSnapshot(undefined);
  }

  private removeHeader(): void {
    fs.rmSync(this.headerFile, { force: true });
  }

  private writeHeader(info: SnapshotInfo, durable: boolean): void {
    const state = fs.readFileSync(this.file);
    const header: SnapshotHeader = {
      format: 3,
      app: this.app.id,
      machineGeneration: info.machineGeneration,
      bootId: bootId(),
      durable,
      takenAt: info.takenAt,
      state: { bytes: state.length, sha256: sha256(state) },
      memoryBytes: fs.statSync(this.memoryFile).size,
      volumes: this.volumes(),
      forwards: info.forwards,
      devices: info.devices ?? [],
    };
    const tmp = `${this.headerFile}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify({ header, checksum: sha256(JSON.stringify(header)) }));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.headerFile);
    fsyncFile(path.dirname(this.headerFile));
  }
}
