import * as assert from 'node:assert/strict';
import { resourceFields } from '../../schema/src/fields';
import { uncovered } from './coverage';
import { generatePulumiSchema } from './pulumi/schema-gen';
import { resourceSchema } from './terraform/schema-gen';

describe('every schema field in every front end', () => {
  const pkg = generatePulumiSchema() as { resources: Record<string, { inputProperties: Record<string, never> }>; types: Record<string, never> };

  for (const [kind, token] of [
    ['volume', 'lttle:index:Volume'],
    ['app', 'lttle:index:App'],
    ['volume-snapshot', 'lttle:index:VolumeSnapshot'],
  ] as const)
    it(`${kind}: each field of schema/${kind}.schema.json is a Terraform attribute and a Pulumi property`, () => {
      const missing = uncovered(resourceFields(kind), resourceSchema(kind).attributes, pkg.resources[token].inputProperties, pkg.types);
      assert.deepEqual(missing, []);
    });

  it('notices a field a front end lacks, at any depth', () => {
    const fields = resourceFields('app');
    const attributes = resourceSchema('app').attributes.filter((a) => a.name !== 'tags');
    const inputs = { ...pkg.resources['lttle:index:App'].inputProperties };
    delete inputs.dependsOnApps;
    const types = structuredClone(pkg.types) as Record<string, { properties: Record<string, never> }>;
    delete types['lttle:index:FlashMode'].properties.deepSuspendAfter;
    assert.deepEqual(uncovered(fields, attributes, inputs, types), ['pulumi: mode.flash.deep-suspend-after', 'terraform: tags', 'pulumi: depends-on']);
  });
});
