// Volumes: namespaced ext4 files under $LTTLE_HOME/volumes. Every step is
// recorded before it runs so that a daemon killed mid-operation finishes or
// rolls it back on restart (recover()).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diffVolume, type Plan } from '../../../schema/src/diff';
import type { VolumeSpec, VolumeStatus } from '../../../schema/src/types';
import { InsufficientStorageError, InvalidError, NotFoundError, ConflictError } from '../../../schema/src/errors';
import type { StateStore } from '../state/store';
import { fsyncDir, noSpaceAsDomainError } from '../util/atomic-file';
import { CommandError } from '../util/process';
import { allocatedBytes, createExt4, ext4Size, growExt4Transactional } from './ext4';
import { LayerStore } from './layers';
import { VolumeChains, type OpenDisk } from './volume-chain';
import type { VolumeRecord } from './volume-record';
import { VolumeSnapshotStore } from './volume-snapshot-store';

/**
 * Runs `work` with no machine starting or stopping on the volume meanwhile; `open` is
 * the machine that has it open, if any (volume-chain.ts). Set by the daemon.
 */
export type DiskGuard = <T>(namespace: string, name: string, work: (open: OpenDisk | undefined) => Promise<T>) => Promise<T>;

/** Who uses a volume: `namespace/app` of an app that mounts it, if any. */
export type AttachmentLookup = (namespace: string, name: string) => string | undefined;

/** Grows a volume attached to a running machine: `growFile` first, then its disk and filesystem; resolves with the
 *  filesystem's new size, or undefined when no machine has the volume (grow offline). */
export type OnlineGrow = (namespace: string, name: string, bytes: number, growFile: () => void) => Promise<number | undefined>;

export class VolumeManager {
  private readonly root: string;
  /** Set by the daemon once apps exist: grows a volume under a running machine. */
  onlineGrow?: OnlineGrow;
  /** Set by the daemon: the guest's view of an attached volume (size, used, free). */
  usage?: (namespace: string, name: string) => Promise<VolumeStatus['usage']>;
  /** Set by the daemon: layer steps take turns with the machine that mounts the volume. */
  guard: DiskGuard = (_namespace, _name, work) => work(undefined);
  readonly chains: VolumeChains;
  readonly snapshots: VolumeSnapshotStore;

  constructor(
    private readonly home: string,
    private readonly store: StateStore<VolumeRecord>,
    private readonly attachedTo: AttachmentLookup,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.root = path.join(home, 'volumes');
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
    this.snapshots = new VolumeSnapshotStore(home);
    const snapshotTaken = (record: VolumeRecord, snapshot: string, layers: string[]) =>
      this.snapshots.put({
        namespace: record.spec.namespace,
        volume: record.spec.name,
        name: snapshot,
        layers,
        size: record.spec.size,
        sizeBytes: record.sizeBytes,
        createdAt: now(),
      });
    this.chains = new VolumeChains(store, new LayerStore(home), (ns, name) => this.filePath(ns, name), snapshotTaken, log);
  }

  /** Deletes the layers no volume, step in progress or snapshot names. */
  gcLayers(): void {
    const gone = this.chains.layers.gc(() => this.layersInUse());
    for (const name of gone) this.log(`volume layer ${name}: deleted (no volume or snapshot uses it)`);
  }

  private layersInUse(): Set<string> {
    const used = new Set<string>();
    for (const r of this.store.list()) {
      for (const l of VolumeChains.chain(r)) used.add(l);
      if (r.pending?.op === 'freeze') used.add(r.pending.layer);
      if (r.pending?.op === 'restore') for (const l of r.pending.layers) used.add(l);
    }
    for (const s of this.snapshots.all()) for (const l of s.layers) used.add(l);
    return used;
  }

  filePath(namespace: string, name: string): string {
    return path.join(this.root, namespace, `${name}.ext4`);
  }

  get(namespace: string, name: string): VolumeStatus | undefined {
    const record = this.store.get(namespace, name);
    return record && this.status(record);
  }

  /** Like get(), with the size, used and free space the guest sees while a machine has it. */
  async getLive(namespace: string, name: string): Promise<VolumeStatus | undefined> {
    const status = this.get(namespace, name);
    if (!status?.attachedTo || !this.usage) return status;
    // Best effort: a guest that does not answer leaves the status without live usage.
    const usage = await this.usage(namespace, name).catch(() => undefined);
    return usage ? { ...status, usage } : status;
  }

  record(namespace: string, name: string): VolumeRecord | undefined {
    return this.store.get(namespace, name);
  }

  list(namespace?: string): VolumeStatus[] {
    return this.store.list(namespace).map((r) => this.status(r));
  }

  plan(spec: VolumeSpec): Plan {
    const existing = this.store.get(spec.namespace, spec.name);
    const plan = diffVolume(existing?.spec, spec);
    if (plan.errors.length) throw new InvalidError(plan.errors.map((e) => e.message).join('; '), plan.errors);
    // A dry run (deploy checks every document first) refuses a missing snapshot too.
    if (!existing && spec['from-snapshot']) this.snapshots.sourceOf(spec);
    return plan;
  }

  /** Creates the volume or applies the allowed change; a no-op when nothing changed. */
  async apply(spec: VolumeSpec): Promise<{ status: VolumeStatus; plan: Plan }> {
    const plan = this.plan(spec);
    const existing = this.store.get(spec.namespace, spec.name);
    if (!existing && spec['from-snapshot']) {
      // A branch of the snapshot's layers at its size. Read and recorded with no await
      // between, so a `snapshot rm` meanwhile cannot collect the layers.
      const snapshot = this.snapshots.sourceOf(spec);
      await this.chains.onLayers({ ...spec, size: snapshot.size }, snapshot.layers, snapshot.sizeBytes, `created from snapshot ${spec['from-snapshot']}`);
      // Grows it when the spec asks for more than the snapshot held.
      return { status: (await this.apply(spec)).status, plan };
    }
    if (!existing) return { status: await this.create(spec), plan };
    if (plan.action === 'none') return { status: this.status(existing), plan };
    const generation = (existing.generation ?? 1) + 1;
    let record: VolumeRecord = { ...existing, spec, generation, updatedAt: now() };
    if (spec.size > existing.spec.size) {
      const grown = await this.grow(existing, spec);
      record = { ...record, ...grown, state: 'ready', message: undefined };
    }
    // Volume changes are applied synchronously: the runtime has acted on this generation.
    record = { ...record, observedGeneration: generation };
    this.store.put(spec.namespace, spec.name, record);
    return { status: this.status(record), plan };
  }

  /**
   * Grows online when a machine has the volume attached, else offline through a
   * grown copy. The intent is recorded first (state `resizing` with the previous
   * spec), so a daemon killed in the middle completes the grow on restart.
   */
  private async grow(existing: VolumeRecord, spec: VolumeSpec): Promise<Pick<VolumeRecord, 'sizeBytes' | 'file' | 'format' | 'layers'>> {
    const { namespace, name } = spec;
    const id = `${namespace}/${name}`;
    const attached = Boolean(this.attachedTo(namespace, name));
    // The image is sparse: refuse now rather than let the guest hit I/O errors when the host fills up.
    // An offline grow also needs room for its copy.
    this.ensureSpace(id, spec.size - fs.statSync(existing.file).size + (attached ? 0 : allocatedBytes(existing.file)));
    const resizing: VolumeRecord = { ...existing, spec, state: 'resizing', previousSpec: existing.spec, updatedAt: now() };
    this.store.put(namespace, name, resizing);
    this.log(`volume ${id}: growing to ${spec.size} bytes${attached ? ' (online if its app runs)' : ''}`);
    const top = { file: existing.file, format: existing.format, layers: existing.layers };
    try {
      // A raw file grows by truncation; a qcow2 overlay grows with QEMU's block_resize alone.
      const growFile = () => (VolumeChains.format(existing) === 'raw' ? fs.truncateSync(existing.file, spec.size) : undefined);
      const online = attached && this.onlineGrow ? await this.onlineGrow(namespace, name, spec.size, growFile) : undefined;
      if (online !== undefined) {
        this.log(`volume ${id}: grown online to ${online} bytes`);
        return { ...top, sizeBytes: online };
      }
      // Offline: the grown copy needs room for the data the image holds.
      if (attached) this.ensureSpace(id, spec.size - fs.statSync(existing.file).size + allocatedBytes(existing.file));
      // resize2fs needs the filesystem as one raw file: a chain is flattened first (its layers lose this user).
      const raw = await this.chains.flatten(resizing);
      await growExt4Transactional(raw.file, spec.size);
      this.gcLayers();
      return { file: raw.file, format: raw.format, layers: raw.layers, sizeBytes: await ext4Size(raw.file) };
    } catch (err) {
      // The image still has its old filesystem (the grown copy is gone): keep the old spec.
      this.store.put(namespace, name, {
        ...(this.store.get(namespace, name) ?? existing),
        spec: existing.spec,
        state: existing.state,
        previousSpec: undefined,
        updatedAt: now(),
      });
      this.log(`volume ${id}: grow to ${spec.size} bytes failed: ${(err as Error).message}`);
      throw this.storageError(err, id, spec.size);
    }
  }

  /** Refuses with 507 (naming the home and the bytes) when the home's filesystem has less than `bytes` free. */
  private ensureSpace(id: string, bytes: number): void {
    const stat = fs.statfsSync(this.root);
    const free = stat.bavail * stat.bsize;
    if (bytes > free)
      throw new InsufficientStorageError(
        `no space for volume ${id} in ${this.home}: needs ${bytes} bytes, the filesystem has ${free} free; free some space there (reads and deletes keep working)`,
      );
  }

  private storageError(err: unknown, id: string, bytes: number): unknown {
    if (err instanceof CommandError && /No space left on device/i.test(err.message))
      return new InsufficientStorageError(`no space left in ${this.home} for volume ${id} (needs up to ${bytes} bytes); free some space there`);
    return noSpaceAsDomainError(err, this.home, bytes);
  }

  private async create(spec: VolumeSpec): Promise<VolumeStatus> {
    const file = this.filePath(spec.namespace, spec.name);
    this.ensureSpace(`${spec.namespace}/${spec.name}`, spec.size);
    const at = now();
    let record: VolumeRecord = { spec, state: 'creating', sizeBytes: 0, file, generation: 1, observedGeneration: 0, createdAt: at, updatedAt: at };
    this.store.put(spec.namespace, spec.name, record);
    this.log(`volume ${spec.namespace}/${spec.name}: creating ${spec.size} bytes`);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const partial = `${file}.partial`;
    try {
      await createExt4(partial, spec.size, spec.name);
      fs.renameSync(partial, file);
      fsyncDir(path.dirname(file));
      record = { ...record, state: 'ready', sizeBytes: await ext4Size(file), observedGeneration: 1, updatedAt: now() };
      this.store.put(spec.namespace, spec.name, record);
      return this.status(record);
    } catch (err) {
      fs.rmSync(partial, { force: true });
      fs.rmSync(file, { force: true });
      this.store.remove(spec.namespace, spec.name);
      throw this.storageError(err, `${spec.namespace}/${spec.name}`, spec.size);
    }
  }

  /** A volume moved here from another host (app-moves.ts): recorded, then its file renamed into place. */
  adopt(moved: VolumeRecord, from: string): void {
    const { namespace, name } = moved.spec;
    const existing = this.store.get(namespace, name);
    // A record without its file is an adoption cut short: finish it.
    if (existing && fs.existsSync(existing.file)) throw new ConflictError(`volume ${namespace}/${name} already exists on this host`);
    const file = this.filePath(namespace, name);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.store.put(namespace, name, { ...moved, file, updatedAt: now() });
    fs.renameSync(from, file);
    fsyncDir(path.dirname(file));
    this.log(`volume ${namespace}/${name}: moved here from another host`);
  }

  async delete(namespace: string, name: string): Promise<void> {
    const record = this.store.get(namespace, name);
    if (!record) throw NotFoundError.of(`volume ${namespace}/${name}`);
    const user = this.attachedTo(namespace, name);
    if (user) throw new ConflictError(`volume ${namespace}/${name} is attached to app ${user}; delete the app first`);
    const snapshots = this.snapshots.list(namespace, name).map((s) => s.name);
    if (snapshots.length)
      throw new ConflictError(`volume ${namespace}/${name} has snapshots (${snapshots.join(', ')}); delete them first (lttle volume snapshot rm)`);
    // Record first, then the file: a kill in between leaves a file no record owns, which
    // recovery removes. Nothing is written, so a delete works on a full disk.
    this.store.remove(namespace, name);
    fs.rmSync(record.file, { force: true });
    fsyncDir(path.dirname(record.file));
    this.gcLayers();
    this.log(`volume ${namespace}/${name}: deleted`);
  }

  /** Deletes the volumes app `app` owns (a fork's branches), after the app is gone; with `app` a test, those of every app it fails. */
  async deleteOwnedBy(app: string | ((owner: string) => boolean)): Promise<void> {
    const owned = (owner: string) => (typeof app === 'string' ? owner === app : !app(owner));
    for (const r of this.store.list()) {
      if (r.ownedBy && owned(r.ownedBy)) await this.delete(r.spec.namespace, r.spec.name);
    }
  }

  /**
   * Finishes or rolls back what a killed daemon left half done; removes files no
   * record owns. One bad volume never stops the start: it is marked `error` with the reason.
   */
  async recover(): Promise<void> {
    const owned = new Set<string>();
    for (const record of this.store.list()) {
      const { namespace, name } = record.spec;
      try {
        const current = await this.recoverOne(await this.chains.recoverPending(record));
        if (current) owned.add(current.file);
      } catch (err) {
        owned.add(record.file);
        const message = `recovery failed: ${(err as Error).message}`;
        this.store.put(namespace, name, { ...record, state: 'error', message, updatedAt: now() });
        this.log(`recover: volume ${namespace}/${name}: ${message}`);
      }
    }
    this.gcLayers();
    for (const ns of fs.readdirSync(this.root)) {
      const dir = path.join(this.root, ns);
      if (!fs.statSync(dir).isDirectory()) continue;
      for (const entry of fs.readdirSync(dir)) {
        const file = path.join(dir, entry);
        if (!owned.has(file)) {
          fs.rmSync(file, { force: true });
          this.log(`recover: removed ${file}, which no volume owns`);
        }
      }
    }
  }

  /** The record as recovery leaves it; undefined when it is gone. */
  private async recoverOne(record: VolumeRecord): Promise<VolumeRecord | undefined> {
    const { namespace, name } = record.spec;
    switch (record.state) {
      case 'creating':
        // The client never got a success answer: roll back.
        fs.rmSync(record.file, { force: true });
        fs.rmSync(`${record.file}.partial`, { force: true });
        this.store.remove(namespace, name);
        this.log(`recover: rolled back the interrupted creation of volume ${namespace}/${name}`);
        return undefined;
      case 'deleting':
        fs.rmSync(record.file, { force: true });
        this.store.remove(namespace, name);
        this.log(`recover: finished deleting volume ${namespace}/${name}`);
        return undefined;
      case 'resizing': {
        // Either the rename of the grown copy happened (or the guest grew it online) or the old image is intact.
        // A grow flattens a chain before it resizes: finish that first.
        record = await this.chains.flatten(record);
        const { previousSpec, ...rest } = record;
        let done = { ...rest, state: 'ready' as const, observedGeneration: record.generation, updatedAt: now() };
        try {
          if ((await ext4Size(record.file)) < record.spec.size) await growExt4Transactional(record.file, record.spec.size);
          this.log(`recover: finished growing volume ${namespace}/${name}`);
        } catch (err) {
          if (!previousSpec) throw err;
          done = { ...done, spec: previousSpec, message: `the grow to ${record.spec.size} bytes could not be completed: ${(err as Error).message}` };
          this.log(`recover: rolled back the grow of volume ${namespace}/${name}: ${(err as Error).message}`);
        }
        const recovered = { ...done, sizeBytes: await ext4Size(record.file) };
        this.store.put(namespace, name, recovered);
        return recovered;
      }
      default:
        if (!fs.existsSync(record.file)) {
          this.store.put(namespace, name, { ...record, state: 'error', message: `its file ${record.file} is missing`, updatedAt: now() });
        }
        return record;
    }
  }

  private status(record: VolumeRecord): VolumeStatus {
    const { file: _file, previousSpec: _previous, format: _format, layers: _layers, pending: _pending, ownedBy: _owner, ...status } = record;
    const user = this.attachedTo(record.spec.namespace, record.spec.name);
    return user ? { ...status, attachedTo: user } : status;
  }
}

function now(): string {
  return new Date().toISOString();
}
