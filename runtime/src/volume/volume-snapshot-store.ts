// The records of volume snapshots: one JSON file per snapshot under
// $LTTLE_HOME/state/volume-snapshots/<namespace>/<volume>/<name>.json, each
// replaced atomically like every other record (StateStore).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { VolumeSnapshot } from '../../../schema/src/types';
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

  put(snapshot: VolumeSnapshot): void {
    this.store(snapshot.namespace).put(snapshot.volume, snapshot.name, snapshot);
  }

  remove(namespace: string, volume: string, name: string): void {
    this.store(namespace).remove(volume, name);
  }
}
