import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../../schema/src/paths';
import { dataSources, resources } from './provider';
import { protoSchema, type BlockSchema } from './schema';

// testdata/schema-snapshot.json is what the hand-written schemas sent to
// terraform before the schemas were generated from schema/*.schema.json:
// names, types, flags, nesting and descriptions must stay as they were.
const FIXTURE = path.join(packageRoot(), 'provider', 'src', 'terraform', 'testdata', 'schema-snapshot.json');

/** The protocol's Schema message as JSON: cty types as their JSON text instead of a Buffer. */
function plain(schema: BlockSchema): unknown {
  // JSON.stringify hands the replacer a Buffer already turned into {type: 'Buffer', data}.
  return JSON.parse(JSON.stringify(protoSchema(schema), (_k, v: unknown) => (isBufferJson(v) ? Buffer.from(v.data).toString('utf8') : v)));
}

function isBufferJson(v: unknown): v is { type: 'Buffer'; data: number[] } {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data);
}

describe('terraform schema snapshot', () => {
  const snapshot = JSON.parse(fs.readFileSync(FIXTURE, 'utf8'));

  for (const r of resources)
    it(`resource ${r.typeName} is the schema terraform always saw`, () => {
      assert.deepEqual(plain(r.schema), snapshot.resources[r.typeName]);
    });
  for (const d of dataSources)
    it(`data source ${d.typeName} is the schema terraform always saw`, () => {
      assert.deepEqual(plain(d.schema), snapshot.dataSources[d.typeName]);
    });
});
