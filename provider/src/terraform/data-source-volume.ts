// data "lttle_volume": looks a volume up by name (and namespace).
import type { RuntimeApi } from '../../../runtime/src/client/api';
import { DEFAULT_NAMESPACE } from '../../../schema/src/types';
import type { CtyObject } from './cty';
import { attr, error } from './diagnostics';
import { canonicalOf } from './model';
import { str, type DataSource } from './resource';
import { volumeState } from './resource-volume';
import { dataSourceSchema } from './schema-gen';

const schema = dataSourceSchema('volume');

async function read(client: RuntimeApi, config: CtyObject): Promise<{ state: CtyObject | null; diagnostics: ReturnType<typeof error>[] }> {
  const namespace = str(config.namespace) ?? DEFAULT_NAMESPACE;
  const name = str(config.name) ?? '';
  const status = await client.getVolume(namespace, name);
  if (!status) return { state: null, diagnostics: [error('Volume not found', `there is no volume ${namespace}/${name} in the lttle runtime`, attr('name'))] };
  return { state: volumeState({ ...config, ...canonicalOf('volume', status.spec) }, status), diagnostics: [] };
}

export const volumeDataSource: DataSource = { typeName: 'lttle_volume', schema, read };
