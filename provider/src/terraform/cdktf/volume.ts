// lttle_volume as a construct: camelCase props generated in props.ts.
import type { Construct } from 'constructs';
import type { VolumeConfig } from './props';
import { LttleResource } from './resource';

export class Volume extends LttleResource<VolumeConfig> {
  static readonly tfResourceType = 'lttle_volume';

  constructor(scope: Construct, id: string, config: VolumeConfig) {
    super(scope, id, Volume.tfResourceType, config);
  }

  /** ready, resizing, ... */
  get state(): string {
    return this.getStringAttribute('state');
  }
  get sizeBytes(): number {
    return this.getNumberAttribute('size_bytes');
  }
  get attachedTo(): string {
    return this.getStringAttribute('attached_to');
  }
}
