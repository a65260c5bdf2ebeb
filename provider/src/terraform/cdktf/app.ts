// lttle_app as a construct: camelCase props, the provider's nested attributes.
import { Token, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { toAttributes } from './attributes';
import { LttleResource } from './resource';

export interface FlashMode {
  /** manual, first-listen (default), user-space-ready, nth-listen:N, listen-on-port:P. */
  readonly strategy?: string;
  /** Idle seconds before suspending (default 10). */
  readonly timeout?: number;
  /** Seconds suspended with no client connection open before QEMU exits (deep suspend); 0 = never (default 60). */
  readonly deepSuspendAfter?: number;
}

export interface Expose {
  readonly port: number;
  readonly internal?: { readonly port?: number; readonly namespaces?: string[] };
  readonly external?: { readonly host?: string; readonly port?: number };
  /** Omitted: connection-aware. */
  readonly connectionTracking?: { readonly trafficAware?: { readonly inactivityTimeout: number } };
}

export interface AppConfig extends TerraformMetaArguments {
  readonly name: string;
  readonly namespace?: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  /** Not secret: plans show each key and value. */
  readonly environment?: { [name: string]: string };
  /** Sensitive: hidden in plans, stored in the state. */
  readonly secretEnvironment?: { [name: string]: string };
  /** Write-only (terraform 1.11+): never in plan or state; bump secretEnvironmentWoVersion to send new values. */
  readonly secretEnvironmentWo?: { [name: string]: string };
  readonly secretEnvironmentWoVersion?: number;
  /** Durations such as "30s", "10m". */
  readonly timeouts?: { readonly create?: string; readonly update?: string; readonly delete?: string };
  readonly resources?: { readonly cpu?: number; readonly memory?: number };
  /** Omitted: regular. */
  readonly mode?: { readonly flash?: FlashMode };
  readonly volumes?: { readonly name: string; readonly namespace?: string; readonly path: string }[];
  readonly expose?: { [service: string]: Expose };
  readonly restartPolicy?: 'always' | 'on-failure' | 'never' | 'remove';
  readonly tags?: string[];
  readonly dependsOnApps?: string[];
}

export class App extends LttleResource<AppConfig> {
  static readonly tfResourceType = 'lttle_app';

  constructor(scope: Construct, id: string, config: AppConfig) {
    super(scope, id, App.tfResourceType, config);
  }

  get generation(): number {
    return this.getNumberAttribute('generation');
  }
  /** Internal address of an exposed service: tcp://<app>-<key>.<ns>.svc.lttle.local:<port>. */
  serviceAddress(key: string): string {
    return Token.asString(this.interpolationForAttribute(`services["${key}"].address`));
  }
  /** Where to connect from this host: 127.0.0.1:<port>. */
  serviceHostAddress(key: string): string {
    return Token.asString(this.interpolationForAttribute(`services["${key}"].host_address`));
  }

  protected override synthesizeAttributes(): { [name: string]: unknown } {
    const { provider: _p, dependsOn: _d, count: _c, lifecycle: _l, forEach: _f, provisioners: _v, connection: _n, ...props } = this.config;
    return toAttributes(props) as { [name: string]: unknown };
  }
}
