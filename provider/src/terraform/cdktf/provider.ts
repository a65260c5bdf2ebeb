// provider "lttle" for CDK for Terraform (and CDK Terrain): a hand-written
// TerraformProvider, so no `cdktf get` is needed.
import { TerraformProvider } from 'cdktf';
import type { Construct } from 'constructs';

export const PROVIDER_SOURCE = 'lttle/lttle';
export const PROVIDER_VERSION = '0.1.0';

export interface LttleProviderConfig {
  /** unix:///path/lttled.sock or http://HOST:PORT; default: env LTTLE_HOST, then the local daemon. */
  readonly host?: string;
  /** Bearer token for TCP hosts (sensitive); default: env LTTLE_TOKEN. */
  readonly token?: string;
  /** Path of a kubeconfig: the custom resources of its Kubernetes cluster instead of one lttled (exclusive with host and token). */
  readonly kubeconfig?: string;
  /** A context of the kubeconfig; default: its current context. */
  readonly context?: string;
  readonly alias?: string;
}

export class LttleProvider extends TerraformProvider {
  static readonly tfResourceType = 'lttle';

  readonly host?: string;
  readonly token?: string;
  readonly kubeconfig?: string;
  readonly context?: string;

  constructor(scope: Construct, id: string, config: LttleProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: 'lttle',
      terraformGeneratorMetadata: { providerName: 'lttle', providerVersionConstraint: PROVIDER_VERSION },
      terraformProviderSource: PROVIDER_SOURCE,
    });
    this.host = config.host;
    this.token = config.token;
    this.kubeconfig = config.kubeconfig;
    this.context = config.context;
    this.alias = config.alias;
  }

  protected override synthesizeAttributes(): { [name: string]: unknown } {
    // alias is a meta-argument the base class adds.
    return { host: this.host, token: this.token, kubeconfig: this.kubeconfig, context: this.context };
  }
}
