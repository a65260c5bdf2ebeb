// data "lttle_app": looks an app up by name (and namespace): its settings,
// state and service addresses.
import type { RuntimeApi } from '../../../runtime/src/client/api';
import { DEFAULT_NAMESPACE } from '../../../schema/src/types';
import type { CtyObject } from './cty';
import { attr, error, type Diagnostic } from './diagnostics';
import { str, type DataSource } from './resource';
import { appState, canonical } from './resource-app-model';
import { dataSourceSchema } from './schema-gen';

const schema = dataSourceSchema('app');

async function read(client: RuntimeApi, config: CtyObject): Promise<{ state: CtyObject | null; diagnostics: Diagnostic[] }> {
  const namespace = str(config.namespace) ?? DEFAULT_NAMESPACE;
  const name = str(config.name) ?? '';
  const status = await client.getApp(namespace, name);
  if (!status) return { state: null, diagnostics: [error('App not found', `there is no app ${namespace}/${name} in the lttle runtime`, attr('name'))] };
  const { secret_environment_wo: _w, secret_environment_wo_version: _v, timeouts: _t, ...state } = canonical(status.spec);
  return { state: appState({ ...config, ...state }, status), diagnostics: [] };
}

export const appDataSource: DataSource = { typeName: 'lttle_app', schema, read };
