// lttle_volume as a construct.
import { type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { toAttributes } from './attributes';
import { LttleResource } from './resource';

export interface VolumeConfig extends TerraformMetaArguments {
  readonly name: string;
  /** Default "default". */
  readonly namespace?: string;
  /** "writeable" (default) or "read-only". */
  readonly mode?: string;
  /** 100Mi, 50M, 1.5GB, 1Gi...; grows in place, never shrinks. */
  readonly size: string;
}

export class Volume extends LttleResource<VolumeConfig> {
  static readonly tfResourceType = 'lttle_volume';

  constructor(scope: Construct, id: string, config: VolumeConfig) {
    super(scope, id, Volume.tfResourceType, config);
  }

  get sizeBytes(): number {
    return this.getNumberAttribute('size_bytes');
  }
  get attachedTo(): string {
    return this.getStringAttribute('attached_to');
  }

  protected override synthesizeAttributes(): { [name: string]: unknown } {
    const { name, namespace, mode, size } = this.config;
    return toAttributes({ name, namespace, mode, size }) as { [name: string]: unknown };
  }
}
