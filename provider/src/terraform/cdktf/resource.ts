// What the lttle constructs share: the meta-arguments and the identity
// attributes every lttle resource has (a snapshot has no `state`).
import { TerraformResource, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { toAttributes } from './attributes';

export abstract class LttleResource<C extends TerraformMetaArguments> extends TerraformResource {
  protected readonly config: C;

  constructor(scope: Construct, id: string, resourceType: string, config: C) {
    super(scope, id, {
      terraformResourceType: resourceType,
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

  /** Every prop but the meta-arguments, as the provider's snake_case attributes. */
  protected override synthesizeAttributes(): { [name: string]: unknown } {
    const { provider: _p, dependsOn: _d, count: _c, lifecycle: _l, forEach: _f, provisioners: _v, connection: _n, ...props } = this.config;
    return toAttributes(props) as { [name: string]: unknown };
  }
}
