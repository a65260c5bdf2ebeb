// The records of volume snapshots: one JSON file per snapshot under
// $LTTLE_HOME/state/volume-snapshots/<namespace>/<volume>/<name>.json, each
// replaced atomically like every other record (StateStore).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidError } from '../../../schema/src/errors';
import { formatSize } from '../../../schema/src/size';
import type { VolumeSnapshot, VolumeSpec } from '../../../schema/src/types';
import { isName } from '../../../schema/src/schema';
import { StateStore } from '../state/store';

export class VolumeSnapshotStore {
  private readonly dir: string;

  constructor(private readonly home: string) {
    this.dir = path.join(home, 'state', 'volume-snapshots');
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** One namespace's snapshots, keyed by volume (the store's "namespace") and name. */
  private store(namespace: string): StateStore<VolumeSnapshot> {
    if (!isName(namespace)) throw new Error(`not a namespace: ${JSON.stringify(namespace)}`);
    return new StateStore<VolumeSnapshot>(this.home, path.join('volume-snapshots', namespace));
  }

  get(namespace: string, volume: string, name: string): VolumeSnapshot | undefined {
    return this.store(namespace).get(volume, name);
  }

  /** A volume's snapshots, oldest first. */
  list(namespace: string, volume: string): VolumeSnapshot[] {
    return this.store(namespace)
      .list(volume)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  all(): VolumeSnapshot[] {
    return fs
      .readdirSync(this.dir)
      .filter(isName)
      .flatMap((ns) => this.store(ns).list());
  }

  /** The snapshot a new volume's `from-snapshot` names, or the refusal naming the field. */
  sourceOf(spec: VolumeSpec): VolumeSnapshot {
    const [volume, name] = (spec['from-snapshot'] ?? '').split('/');
    const snapshot = this.get(spec.namespace, volume, name);
    if (!snapshot) {
      const message = `names snapshot ${name} of volume ${spec.namespace}/${volume}, which does not exist (lttle volume snapshot list --ns ${spec.namespace} ${volume})`;
      throw new InvalidError(`from-snapshot ${message}`, [{ path: ['from-snapshot'], message }]);
    }
    if (spec.size < snapshot.size) {
      const message = `must be at least ${formatSize(snapshot.size)}, the size of snapshot ${spec['from-snapshot']} it is created from (asked: ${formatSize(spec.size)})`;
      throw new InvalidError(`size ${message}`, [{ path: ['size'], message }]);
    }
    return snapshot;
  }

  put(snapshot: VolumeSnapshot): void {
    this.store(snapshot.namespace).put(snapshot.volume, snapshot.name, snapshot);
  }

  remove(namespace: string, volume: string, name: string): void {
    this.store(namespace).remove(volume, name);
  }
}
