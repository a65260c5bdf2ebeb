// lttle_volume_snapshot as a construct: camelCase props generated in props.ts.
import type { Construct } from 'constructs';
import type { VolumeSnapshotConfig } from './props';
import { LttleResource } from './resource';

export class VolumeSnapshot extends LttleResource<VolumeSnapshotConfig> {
  static readonly tfResourceType = 'lttle_volume_snapshot';

  constructor(scope: Construct, id: string, config: VolumeSnapshotConfig) {
    super(scope, id, VolumeSnapshot.tfResourceType, config);
  }

  get volume(): string {
    return this.getStringAttribute('volume');
  }
  /** The volume's size when the snapshot was taken, such as 100Mi. */
  get size(): string {
    return this.getStringAttribute('size');
  }
  get sizeBytes(): number {
    return this.getNumberAttribute('size_bytes');
  }
  /** RFC 3339. */
  get createdAt(): string {
    return this.getStringAttribute('created_at');
  }
}
