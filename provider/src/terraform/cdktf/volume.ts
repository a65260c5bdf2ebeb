// lttle_volume as a construct.
import { TerraformResource, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { toAttributes } from './attributes';

export interface VolumeConfig extends TerraformMetaArguments {
  readonly name: string;
  /** Default "default". */
  readonly namespace?: string;
  /** "writeable" (default) or "read-only". */
  readonly mode?: string;
  /** 100Mi, 50M, 1.5GB, 1Gi...; grows in place, never shrinks. */
  readonly size: string;
}

export class Volume extends TerraformResource {
  static readonly tfResourceType = 'lttle_volume';

  private readonly config: VolumeConfig;

  constructor(scope: Construct, id: string, config: VolumeConfig) {
    super(scope, id, {
      terraformResourceType: Volume.tfResourceType,
      terraformGeneratorMetadata: { providerName: 'lttle' },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      forEach: config.forEach,
    });
    this.config = config;
  }

  /** `namespace/name`. */
  get id(): string {
    return this.getStringAttribute('id');
  }
  get name(): string {
    return this.getStringAttribute('name');
  }
  get namespace(): string {
    return this.getStringAttribute('namespace');
  }
  get sizeBytes(): number {
    return this.getNumberAttribute('size_bytes');
  }
  get state(): string {
    return this.getStringAttribute('state');
  }
  get attachedTo(): string {
    return this.getStringAttribute('attached_to');
  }

  protected override synthesizeAttributes(): { [name: string]: unknown } {
    const { name, namespace, mode, size } = this.config;
    return toAttributes({ name, namespace, mode, size }) as { [name: string]: unknown };
  }
}
