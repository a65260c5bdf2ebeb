// A volume's chain of layers: freezing its top file into a layer under a new
// qcow2 overlay (for a snapshot or a branch), putting a volume back on a
// snapshot's layers, flattening a chain into one raw file. Every step records
// its intent in the volume's record first, so that a daemon killed at any
// point leaves a volume that recovery rolls forward or back (recoverPending);
// the old top file is removed only after the record names the new one.
//
// Freezing changes no byte the guest sees: the overlay is empty over the
// frozen layer. The volume's size and generation stay, so a memory snapshot
// taken before the freeze still restores over the chain.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConflictError } from '../../../schema/src/errors';
import type { StateStore } from '../state/store';
import { fsyncDir } from '../util/atomic-file';
import { createOverlay, flattenToRaw, layerFormat, type DiskFormat, type LayerStore } from './layers';
import type { VolumeSpec } from '../../../schema/src/types';
import type { LayerIntent, VolumeRecord } from './volume-record';

/**
 * A QEMU that has the volume open (its app's machine, running or paused): switches
 * the disk to `overlay` (QMP blockdev-snapshot-sync), or pulls the whole chain into
 * the top file (QMP block-stream). Undefined when no machine has it open.
 */
export interface OpenDisk {
  switchTo(overlay: string): Promise<void>;
  stream(): Promise<void>;
  /**
   * Present for a suspended machine, whose QEMU keeps its disks inactive after
   * the snapshot and cannot stream them: ends that QEMU (the app deep-suspended,
   * its snapshot unchanged), after which the disk is open nowhere.
   */
  release?(): Promise<void>;
}

/** Chains longer than this are flattened before another layer is added. */
export const MAX_LAYERS = Number(process.env.LTTLE_MAX_LAYERS ?? 8);
/** Why a suspended app was deep-suspended by a freeze (OpenDisk.release). */
export const CHAIN_BOUND = `its volume chain reached LTTLE_MAX_LAYERS (${MAX_LAYERS}): flattened, which the suspended QEMU cannot do`;

export class VolumeChains {
  constructor(
    private readonly store: StateStore<VolumeRecord>,
    readonly layers: LayerStore,
    /** The raw file a volume has when it has no layers. */
    private readonly rawPath: (namespace: string, name: string) => string,
    /** Writes the snapshot record of a finished freeze (also when recovery finishes it). */
    private readonly snapshotTaken: (record: VolumeRecord, snapshot: string, layers: string[]) => void,
    private readonly log: (line: string) => void,
  ) {}

  /** The volume's layers, bottom first. */
  static chain(record: VolumeRecord): string[] {
    return record.layers ?? [];
  }

  static format(record: VolumeRecord): DiskFormat {
    return record.format ?? 'raw';
  }

  /**
   * Freezes the volume's top file into a new layer under an empty overlay and returns
   * the updated record. With `open`, the machine switches to the overlay atomically
   * (in-flight writes drained first), so the layer is the disk at one instant.
   */
  async freeze(record: VolumeRecord, open: OpenDisk | undefined, snapshot?: string): Promise<VolumeRecord> {
    ({ record, open } = await this.bound(record, open));
    const { namespace, name } = record.spec;
    const intent: LayerIntent = { op: 'freeze', layer: this.layers.newName(VolumeChains.format(record)), overlay: this.overlayPath(record), snapshot };
    this.store.put(namespace, name, { ...record, pending: intent });
    try {
      this.layers.link(record.file, intent.layer);
      await createOverlay(intent.overlay, this.layers.path(intent.layer), layerFormat(intent.layer));
      await open?.switchTo(intent.overlay);
    } catch (err) {
      // The machine (if any) still writes the old top file: the layer must not stay.
      this.rollBack(record, intent);
      throw err;
    }
    return this.finishFreeze(record, intent);
  }

  /**
   * A new volume `target` (same namespace) that starts as the source's bytes now: the
   * source is frozen (as for a snapshot) and the branch is a second overlay over the
   * same layer. Each writes only its own overlay. The branch is recorded `creating`
   * first, so recovery deletes a half-made one.
   */
  async branch(source: VolumeRecord, open: OpenDisk | undefined, target: string, owner?: string): Promise<VolumeRecord> {
    const { namespace } = source.spec;
    if (this.store.get(namespace, target)) throw new ConflictError(`volume ${namespace}/${target} already exists`);
    const frozen = await this.freeze(source, open);
    const spec = { ...frozen.spec, name: target };
    return this.onLayers(spec, VolumeChains.chain(frozen), frozen.sizeBytes, `branched from ${namespace}/${source.spec.name}`, owner);
  }

  /**
   * A new volume over `layers` (a branch's, or a snapshot's for `from-snapshot`)
   * under its own empty overlay. It is recorded `creating` first, naming the
   * layers, so garbage collection keeps them and recovery deletes a half-made one.
   */
  async onLayers(spec: VolumeSpec, layers: string[], sizeBytes: number, origin: string, owner?: string): Promise<VolumeRecord> {
    const { namespace, name } = spec;
    const at = now();
    const file = this.overlayPath({ spec });
    let volume: VolumeRecord = {
      spec,
      state: 'creating',
      sizeBytes,
      file,
      format: 'qcow2',
      layers: [...layers],
      generation: 1,
      observedGeneration: 0,
      ...(owner ? { ownedBy: owner } : {}),
      createdAt: at,
      updatedAt: at,
    };
    this.store.put(namespace, name, volume);
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const top = layers[layers.length - 1];
      await createOverlay(file, this.layers.path(top), layerFormat(top));
    } catch (err) {
      fs.rmSync(file, { force: true });
      this.store.remove(namespace, name);
      throw err;
    }
    volume = { ...volume, state: 'ready', observedGeneration: 1, updatedAt: now() };
    this.store.put(namespace, name, volume);
    this.log(`volume ${namespace}/${name}: ${origin}`);
    return volume;
  }

  /** Puts the volume (not open in any machine) on `layers` under a new empty overlay; its old top goes. */
  async restore(record: VolumeRecord, snapshot: string, layers: string[], sizeBytes: number, size: number): Promise<VolumeRecord> {
    const intent: LayerIntent = { op: 'restore', overlay: this.overlayPath(record), snapshot, layers, sizeBytes, size };
    this.store.put(record.spec.namespace, record.spec.name, { ...record, pending: intent });
    try {
      const top = layers[layers.length - 1];
      await createOverlay(intent.overlay, this.layers.path(top), layerFormat(top));
    } catch (err) {
      this.rollBack(record, intent);
      throw err;
    }
    return this.finishRestore(record, intent);
  }

  /** Copies the chain into one raw file (the volume is open in no machine); the layers lose this user. */
  async flatten(record: VolumeRecord): Promise<VolumeRecord> {
    if (!VolumeChains.chain(record).length && VolumeChains.format(record) === 'raw') return record;
    const intent: LayerIntent = { op: 'flatten', target: this.rawPath(record.spec.namespace, record.spec.name) };
    this.store.put(record.spec.namespace, record.spec.name, { ...record, pending: intent });
    try {
      await flattenToRaw(record.file, VolumeChains.format(record), intent.target);
    } catch (err) {
      this.rollBack(record, intent);
      throw err;
    }
    return this.finishFlatten(record, intent);
  }

  /** Finishes or undoes the step a killed daemon left in `record` (no machine runs yet). */
  async recoverPending(record: VolumeRecord): Promise<VolumeRecord> {
    const intent = record.pending;
    if (!intent) return record;
    const { namespace, name } = record.spec;
    const base: VolumeRecord = { ...record, pending: undefined };
    switch (intent.op) {
      case 'freeze':
        // The overlay is complete only once renamed into place; with its layer, the freeze holds.
        if (fs.existsSync(intent.overlay) && this.layers.exists(intent.layer)) {
          this.log(`recover: finished freezing a layer of volume ${namespace}/${name}`);
          return this.finishFreeze(base, intent);
        }
        break;
      case 'restore':
        if (fs.existsSync(intent.overlay)) {
          this.log(`recover: finished restoring volume ${namespace}/${name} to snapshot ${intent.snapshot}`);
          return this.finishRestore(base, intent);
        }
        break;
      case 'flatten':
        if (fs.existsSync(intent.target)) {
          this.log(`recover: finished flattening volume ${namespace}/${name}`);
          return this.finishFlatten(base, intent);
        }
        break;
    }
    this.log(`recover: rolled back an interrupted ${intent.op} of volume ${namespace}/${name}`);
    return this.rollBack(base, intent);
  }

  /**
   * Adds no layer past the bound: the chain is first pulled into the top file (a
   * running machine) or flattened (no machine, or a suspended one let go first).
   * Resolves with the record and whether the disk is still open.
   */
  private async bound(record: VolumeRecord, open: OpenDisk | undefined): Promise<{ record: VolumeRecord; open: OpenDisk | undefined }> {
    if (VolumeChains.chain(record).length < MAX_LAYERS) return { record, open };
    const { namespace, name } = record.spec;
    if (open?.release) {
      await open.release();
      open = undefined;
    }
    if (!open) return { record: await this.flatten(record), open };
    // The top overlay now holds every block; the layers below lose this user (snapshots keep theirs).
    await open.stream();
    const streamed = { ...record, layers: [], updatedAt: now() };
    this.store.put(namespace, name, streamed);
    this.log(`volume ${namespace}/${name}: its ${record.layers?.length} layers were streamed into its top file`);
    return { record: streamed, open };
  }

  private finishFreeze(record: VolumeRecord, intent: Extract<LayerIntent, { op: 'freeze' }>): VolumeRecord {
    const layers = [...VolumeChains.chain(record), intent.layer];
    if (intent.snapshot) this.snapshotTaken(record, intent.snapshot, layers);
    const next: VolumeRecord = { ...record, file: intent.overlay, format: 'qcow2', layers, pending: undefined, updatedAt: now() };
    return this.replaceTop(record, next);
  }

  private finishRestore(record: VolumeRecord, intent: Extract<LayerIntent, { op: 'restore' }>): VolumeRecord {
    // The guest will see other bytes: a new generation, so no memory snapshot restores over them.
    const generation = (record.generation ?? 1) + 1;
    const next: VolumeRecord = {
      ...record,
      spec: { ...record.spec, size: intent.size },
      file: intent.overlay,
      format: 'qcow2',
      layers: intent.layers,
      sizeBytes: intent.sizeBytes,
      generation,
      observedGeneration: generation,
      pending: undefined,
      updatedAt: now(),
    };
    return this.replaceTop(record, next);
  }

  private finishFlatten(record: VolumeRecord, intent: Extract<LayerIntent, { op: 'flatten' }>): VolumeRecord {
    const next: VolumeRecord = { ...record, file: intent.target, format: 'raw', layers: [], pending: undefined, updatedAt: now() };
    return this.replaceTop(record, next);
  }

  /** The record names the new top first; the old top file (a layer keeps its bytes if it was frozen) goes after. */
  private replaceTop(old: VolumeRecord, next: VolumeRecord): VolumeRecord {
    this.store.put(next.spec.namespace, next.spec.name, next);
    if (old.file !== next.file) {
      fs.rmSync(old.file, { force: true });
      fsyncDir(path.dirname(old.file));
    }
    return next;
  }

  private rollBack(record: VolumeRecord, intent: LayerIntent): VolumeRecord {
    if (intent.op === 'freeze') {
      fs.rmSync(`${intent.overlay}.partial`, { force: true });
      fs.rmSync(intent.overlay, { force: true });
      // Only while the old top still exists: then the layer is a second name of it, never the last one.
      if (fs.existsSync(record.file)) this.layers.unlink(intent.layer);
    } else {
      const file = intent.op === 'restore' ? intent.overlay : intent.target;
      fs.rmSync(`${file}.partial`, { force: true });
      if (file !== record.file) fs.rmSync(file, { force: true });
    }
    const back = { ...record, pending: undefined };
    this.store.put(record.spec.namespace, record.spec.name, back);
    return back;
  }

  /** A new overlay's name beside the volume's raw file: `<name>.<random>.qcow2`. */
  private overlayPath(record: Pick<VolumeRecord, 'spec'>): string {
    const raw = this.rawPath(record.spec.namespace, record.spec.name);
    return `${raw.replace(/\.ext4$/, '')}.${crypto.randomBytes(6).toString('hex')}.qcow2`;
  }
}

function now(): string {
  return new Date().toISOString();
}
