import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readDocuments, resourceFields, type SchemaNode } from '../../schema/src/fields';
import { packageRoot } from '../../schema/src/paths';
import { uncovered } from './coverage';
import { generatePulumiSchema } from './pulumi/schema-gen';
import { generateProps } from './terraform/cdktf/props-gen';
import { attributePath, bodyOf, canonicalOf, planDefaults } from './terraform/model';
import { dataSourceSchema, resourceSchema } from './terraform/schema-gen';

// A field added to a copy of schema/app.schema.json reaches the Terraform
// schema and model, the Pulumi package schema and the CDKTF props with no
// code change: they take the schema documents (or their directory) as input.
describe('a field added to the App schema', () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-new-field-'));
    fs.mkdirSync(path.join(root, 'schema'));
    for (const file of ['common', 'volume', 'app', 'volume-snapshot'].map((n) => `${n}.schema.json`))
      fs.copyFileSync(path.join(packageRoot(), 'schema', file), path.join(root, 'schema', file));
    fs.copyFileSync(path.join(packageRoot(), 'package.json'), path.join(root, 'package.json'));
    const file = path.join(root, 'schema', 'app.schema.json');
    const app = JSON.parse(fs.readFileSync(file, 'utf8')) as SchemaNode & { properties: Record<string, SchemaNode> };
    app.properties['x-test-field'] = { type: 'string', description: 'A throwaway field.', 'x-on-change': 'live' };
    app.properties['x-test-labels'] = { type: 'object', additionalProperties: { type: 'string' }, description: 'Throwaway labels.' };
    app.properties.resources.properties!['x-test-gpus'] = { type: 'integer', default: 0, description: 'Throwaway GPUs (default 0).' };
    fs.writeFileSync(file, JSON.stringify(app, null, 2));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const docs = () => readDocuments(path.join(root, 'schema'));

  it('is a Terraform attribute of the resource and the data source', () => {
    const attributes = resourceSchema('app', docs()).attributes;
    assert.deepEqual(
      attributes.find((a) => a.name === 'x_test_field'),
      { name: 'x_test_field', description: 'A throwaway field.', type: 'string', optional: true },
    );
    assert.deepEqual(attributes.find((a) => a.name === 'x_test_labels')?.type, ['map', 'string']);
    const resources = attributes.find((a) => a.name === 'resources')?.nested?.attributes;
    // A default makes it computed: the plan fills it in when the config leaves it out.
    assert.deepEqual(
      resources?.find((a) => a.name === 'x_test_gpus'),
      { name: 'x_test_gpus', description: 'Throwaway GPUs (default 0).', type: 'number', optional: true, computed: true },
    );
    assert.equal(dataSourceSchema('app', docs()).attributes.find((a) => a.name === 'x_test_field')?.computed, true);
  });

  it('is a Pulumi property', () => {
    const pkg = generatePulumiSchema(root) as { resources: Record<string, { inputProperties: Record<string, unknown> }>; types: Record<string, never> };
    assert.deepEqual(pkg.resources['lttle:index:App'].inputProperties.xTestField, { type: 'string', description: 'A throwaway field.' });
    assert.deepEqual(
      uncovered(
        resourceFields('app', docs()),
        resourceSchema('app', docs()).attributes,
        pkg.resources['lttle:index:App'].inputProperties as Record<string, never>,
        pkg.types,
      ),
      [],
    );
  });

  it('is a CDKTF prop', async () => {
    const props = await generateProps(docs());
    assert.match(props, /\/\*\* A throwaway field\. \*\/\n {2}readonly xTestField\?: string;/);
    assert.match(props, /readonly xTestLabels\?: \{ \[key: string\]: string \};/);
    assert.match(props, /readonly xTestGpus\?: number;/);
  });

  it('goes through the Terraform model: config to model body, spec to state, defaults planned, issue paths', () => {
    const fields = resourceFields('app', docs());
    const config = { name: 'a', image: 'img', x_test_field: 'hello', x_test_labels: { KEY: 'v' }, resources: null };
    const { body } = bodyOf('app', config, undefined, fields);
    assert.deepEqual(body, { name: 'a', image: 'img', 'x-test-field': 'hello', 'x-test-labels': { KEY: 'v' } });
    const state = canonicalOf('app', { ...body, namespace: 'default', resources: { cpu: 1, memory: 256 } }, undefined, fields);
    assert.equal(state.x_test_field, 'hello');
    assert.deepEqual(state.x_test_labels, { KEY: 'v' });
    assert.deepEqual(state.resources, { cpu: 1, memory: 256, x_test_gpus: 0 });
    assert.deepEqual(planDefaults('app', config, config, fields).resources, { cpu: 1, memory: 256, x_test_gpus: 0 });
    assert.deepEqual(attributePath('app', ['x-test-labels', 'KEY'], fields), [{ attribute_name: 'x_test_labels' }, { element_key_string: 'KEY' }]);
  });
});
