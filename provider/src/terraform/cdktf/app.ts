// lttle_app as a construct: camelCase props (generated in props.ts), the provider's nested attributes.
import { Token } from 'cdktf';
import type { Construct } from 'constructs';
import type { AppConfig } from './props';
import { LttleResource } from './resource';

export class App extends LttleResource<AppConfig> {
  static readonly tfResourceType = 'lttle_app';

  constructor(scope: Construct, id: string, config: AppConfig) {
    super(scope, id, App.tfResourceType, config);
  }

  /** ready, suspended, ... */
  get state(): string {
    return this.getStringAttribute('state');
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
}
