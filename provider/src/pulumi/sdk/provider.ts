import * as pulumi from '@pulumi/pulumi';
import { withVersion } from './version';

export interface ProviderArgs {
  /**
   * Where the lttle runtime listens: `unix:///path/lttled.sock`, a socket path,
   * or `http://HOST:PORT`. Default: $LTTLE_HOST, else the local daemon on
   * $LTTLE_HOME/lttled.sock (started when absent).
   */
  host?: pulumi.Input<string>;
  /** Bearer token for a runtime reached over TCP (default $LTTLE_TOKEN); kept secret. */
  token?: pulumi.Input<string>;
}

/** An explicit lttle provider, e.g. for a remote runtime: `new lttle.Provider("remote", { host: "http://..." })`. */
export class Provider extends pulumi.ProviderResource {
  static readonly __pulumiType = 'lttle';

  static override isInstance(obj: unknown): obj is Provider {
    return obj instanceof pulumi.ProviderResource && (obj as { __pulumiType?: string }).__pulumiType === Provider.__pulumiType;
  }

  constructor(name: string, args: ProviderArgs = {}, opts?: pulumi.ResourceOptions) {
    const inputs: pulumi.Inputs = {
      host: args.host,
      token: args.token === undefined ? undefined : pulumi.secret(args.token),
    };
    super(Provider.__pulumiType, name, inputs, withVersion(opts));
  }
}
