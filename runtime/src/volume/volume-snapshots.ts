// Volume snapshots (`lttle volume snapshot create|list|restore|rm`): a snapshot
// is the volume's chain frozen at one instant. Taking one freezes the top file
// into a layer under a new overlay (volume-chain.ts): with the machine that has
// the volume open switching to the overlay while its vCPUs are paused and its
// in-flight writes drained, so the layer holds what a power cut at that
// instant would leave: PostgreSQL's committed rows, recovered from its WAL.
// A restore puts the volume on a new empty overlay over the snapshot's layers;
// it needs no machine to have the volume open.
import type { VolumeSnapshot } from '../../../schema/src/types';
import { ConflictError, InvalidError, NotFoundError } from '../../../schema/src/errors';
import { isName } from '../../../schema/src/schema';
import type { VolumeManager } from './volume-manager';
import type { VolumeRecord } from './volume-record';

export class VolumeSnapshots {
  constructor(
    private readonly volumes: VolumeManager,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  private ready(namespace: string, volume: string): VolumeRecord {
    const record = this.volumes.record(namespace, volume);
    if (!record) throw NotFoundError.of(`volume ${namespace}/${volume}`);
    if (record.state !== 'ready') throw new ConflictError(`volume ${namespace}/${volume} is ${record.state}; try again once it is ready`);
    return record;
  }

  private find(namespace: string, volume: string, name: string): VolumeSnapshot {
    const snapshot = this.volumes.snapshots.get(namespace, volume, name);
    if (!snapshot) throw NotFoundError.of(`snapshot ${name} of volume ${namespace}/${volume}`);
    return snapshot;
  }

  list(namespace: string, volume: string): VolumeSnapshot[] {
    this.ready(namespace, volume);
    return this.volumes.snapshots.list(namespace, volume);
  }

  async create(namespace: string, volume: string, name: string): Promise<VolumeSnapshot> {
    if (!isName(name)) throw new InvalidError(`name: ${JSON.stringify(name)} is not a valid snapshot name (lowercase letters, digits and '-')`);
    this.ready(namespace, volume);
    if (this.volumes.snapshots.get(namespace, volume, name)) throw new ConflictError(`volume ${namespace}/${volume} already has a snapshot ${name}`);
    await this.volumes.guard(namespace, volume, async (open) => {
      // Read again under the guard: the record may have changed while a machine stopped or booted.
      await this.volumes.chains.freeze(this.ready(namespace, volume), open, name);
    });
    this.log(`volume ${namespace}/${volume}: snapshot ${name} taken`);
    return this.find(namespace, volume, name);
  }

  /** Puts the volume back to the snapshot; refused while a machine has the volume open. */
  async restore(namespace: string, volume: string, name: string): Promise<VolumeSnapshot> {
    const snapshot = this.find(namespace, volume, name);
    await this.volumes.guard(namespace, volume, async (open) => {
      if (open) {
        const app = this.volumes.get(namespace, volume)?.attachedTo;
        throw new ConflictError(
          `volume ${namespace}/${volume} is open in the machine of app ${app}: a restore needs the app deleted or deep-suspended (its QEMU exited); the volume is unchanged`,
        );
      }
      await this.volumes.chains.restore(this.ready(namespace, volume), name, snapshot.layers, snapshot.sizeBytes, snapshot.size);
    });
    this.volumes.gcLayers();
    this.log(`volume ${namespace}/${volume}: restored to snapshot ${name}`);
    return snapshot;
  }

  remove(namespace: string, volume: string, name: string): void {
    this.find(namespace, volume, name);
    this.volumes.snapshots.remove(namespace, volume, name);
    this.volumes.gcLayers();
    this.log(`volume ${namespace}/${volume}: snapshot ${name} deleted`);
  }
}
