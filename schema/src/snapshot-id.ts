// The id of a volume snapshot in both providers (state, import):
// `namespace/volume/snapshot`, since a snapshot's name is unique only among
// its volume's snapshots.
import type { VolumeSnapshotSpec } from './types';

export function snapshotId(spec: VolumeSnapshotSpec): string {
  return `${spec.namespace}/${spec.volume}/${spec.name}`;
}

/** The id's parts, or undefined when it is not `namespace/volume/snapshot`. */
export function parseSnapshotId(id: string): VolumeSnapshotSpec | undefined {
  const parts = id.split('/');
  if (parts.length !== 3 || parts.some((p) => !p)) return undefined;
  return { namespace: parts[0], volume: parts[1], name: parts[2] };
}
