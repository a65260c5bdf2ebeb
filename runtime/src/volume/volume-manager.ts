// Volumes: namespaced ext4 files under $LTTLE_HOME/volumes. Every step is
// recorded before it runs so that a daemon killed mid-operation finishes or
// rolls it back on restart (recover()).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diffVolume, type Plan } from '../../../schema/src/diff';
import type { VolumeSpec, VolumeStatus } from '../../../schema/src/types';
import { ConflictError, InvalidError, NotFoundError } from '../../../schema/src/errors';
import type { StateStore } from '../state/store';
import { fsyncDir } from '../util/atomic-file';
import { createExt4, ext4Size, growExt4 } from './ext4';

export interface VolumeRecord extends VolumeStatus {
  /** The ext4 image on the host. */
  file: string;
}

/** Who uses a volume: `namespace/app` of an app that mounts it, if any. */
export type AttachmentLookup = (namespace: string, name: string) => string | undefined;

export class VolumeManager {
  private readonly root: string;

  constructor(
    home: string,
    private readonly store: StateStore<VolumeRecord>,
    private readonly attachedTo: AttachmentLookup,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.root = path.join(home, 'volumes');
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
  }

  filePath(namespace: string, name: string): string {
    return path.join(this.root, namespace, `${name}.ext4`);
  }

  get(namespace: string, name: string): VolumeStatus | undefined {
    const record = this.store.get(namespace, name);
    return record && this.status(record);
  }

  record(namespace: string, name: string): VolumeRecord | undefined {
    return this.store.get(namespace, name);
  }

  list(namespace?: string): VolumeStatus[] {
    return this.store.list(namespace).map((r) => this.status(r));
  }

  plan(spec: VolumeSpec): Plan {
    const plan = diffVolume(this.store.get(spec.namespace, spec.name)?.spec, spec);
    if (plan.errors.length) throw new InvalidError(plan.errors.map((e) => e.message).join('; '), plan.errors);
    return plan;
  }

  /** Creates the volume or applies the allowed change; a no-op when nothing changed. */
  async apply(spec: VolumeSpec): Promise<{ status: VolumeStatus; plan: Plan }> {
    const plan = this.plan(spec);
    const existing = this.store.get(spec.namespace, spec.name);
    if (!existing) return { status: await this.create(spec), plan };
    if (plan.action === 'none') return { status: this.status(existing), plan };
    const generation = (existing.generation ?? 1) + 1;
    let record: VolumeRecord = { ...existing, spec, generation, updatedAt: now() };
    if (spec.size > existing.spec.size) {
      const user = this.attachedTo(spec.namespace, spec.name);
      if (user) throw new ConflictError(`volume ${spec.namespace}/${spec.name} is attached to app ${user}; delete or stop the app before growing it`);
      this.store.put(spec.namespace, spec.name, { ...record, state: 'resizing' });
      this.log(`volume ${spec.namespace}/${spec.name}: growing to ${spec.size} bytes`);
      try {
        await growExt4(existing.file, spec.size);
      } catch (err) {
        // The filesystem still has its old size and is intact: keep the old spec.
        this.store.put(spec.namespace, spec.name, { ...existing, updatedAt: now() });
        throw err;
      }
      record = { ...record, state: 'ready', sizeBytes: await ext4Size(existing.file) };
    }
    // Volume changes are applied synchronously: the runtime has acted on this generation.
    record = { ...record, observedGeneration: generation };
    this.store.put(spec.namespace, spec.name, record);
    return { status: this.status(record), plan };
  }

  private async create(spec: VolumeSpec): Promise<VolumeStatus> {
    const file = this.filePath(spec.namespace, spec.name);
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
      throw err;
    }
  }

  async delete(namespace: string, name: string): Promise<void> {
    const record = this.store.get(namespace, name);
    if (!record) throw NotFoundError.of(`volume ${namespace}/${name}`);
    const user = this.attachedTo(namespace, name);
    if (user) throw new ConflictError(`volume ${namespace}/${name} is attached to app ${user}; delete the app first`);
    this.store.put(namespace, name, { ...record, state: 'deleting', updatedAt: now() });
    fs.rmSync(record.file, { force: true });
    fsyncDir(path.dirname(record.file));
    this.store.remove(namespace, name);
    this.log(`volume ${namespace}/${name}: deleted`);
  }

  /** Finishes or rolls back what a killed daemon left half done; removes files no record owns. */
  async recover(): Promise<void> {
    const owned = new Set<string>();
    for (const record of this.store.list()) {
      const { namespace, name } = record.spec;
      switch (record.state) {
        case 'creating':
          // The client never got a success answer: roll back.
          fs.rmSync(record.file, { force: true });
          fs.rmSync(`${record.file}.partial`, { force: true });
          this.store.remove(namespace, name);
          this.log(`recover: rolled back the interrupted creation of volume ${namespace}/${name}`);
          continue;
        case 'deleting':
          fs.rmSync(record.file, { force: true });
          this.store.remove(namespace, name);
          this.log(`recover: finished deleting volume ${namespace}/${name}`);
          continue;
        case 'resizing':
          await growExt4(record.file, record.spec.size);
          this.store.put(namespace, name, { ...record, state: 'ready', sizeBytes: await ext4Size(record.file), updatedAt: now() });
          this.log(`recover: finished growing volume ${namespace}/${name}`);
          break;
        default:
          if (!fs.existsSync(record.file)) {
            this.store.put(namespace, name, { ...record, state: 'error', message: `its file ${record.file} is missing`, updatedAt: now() });
          }
      }
      owned.add(record.file);
    }
    for (const ns of fs.readdirSync(this.root)) {
      for (const entry of fs.readdirSync(path.join(this.root, ns))) {
        const file = path.join(this.root, ns, entry);
        if (!owned.has(file)) {
          fs.rmSync(file, { force: true });
          this.log(`recover: removed ${file}, which no volume owns`);
        }
      }
    }
  }

  private status(record: VolumeRecord): VolumeStatus {
    const { file: _file, ...status } = record;
    const user = this.attachedTo(record.spec.namespace, record.spec.name);
    return user ? { ...status, attachedTo: user } : status;
  }
}

function now(): string {
  return new Date().toISOString();
}
