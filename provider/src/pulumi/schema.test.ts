import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { packageRoot } from '../../../schema/src/paths';
import { RESOURCES } from './registry';
import { pulumiSchemaJson } from './schema-gen';

type Spec = Record<string, unknown>;

describe('Pulumi package schema (schema/pulumi/schema.json)', () => {
  const root = packageRoot();
  const committed = fs.readFileSync(path.join(root, 'schema', 'pulumi', 'schema.json'), 'utf8');
  const schema = JSON.parse(committed) as Spec & { resources: Record<string, Spec>; types: Record<string, Spec> };

  it('is up to date with schema/*.schema.json (regenerate: node build/js/provider/src/pulumi/schema-gen.js --write)', () => {
    assert.equal(committed, pulumiSchemaJson(root));
  });

  it('is valid against the Pulumi metaschema (subset)', () => {
    const meta = JSON.parse(fs.readFileSync(path.join(root, 'provider', 'src', 'pulumi', 'metaschema.json'), 'utf8')) as Spec;
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(meta);
    assert.ok(validate(schema), JSON.stringify(validate.errors, null, 2));
  });

  it('the metaschema check catches a broken schema', () => {
    const meta = JSON.parse(fs.readFileSync(path.join(root, 'provider', 'src', 'pulumi', 'metaschema.json'), 'utf8')) as Spec;
    const validate = new Ajv2020({ strict: false }).compile(meta);
    const broken = JSON.parse(committed) as { resources: Record<string, { inputProperties: Record<string, unknown> }> };
    broken.resources['lttle:index:Volume'].inputProperties.size = { type: 'bytes' };
    assert.equal(validate(broken), false);
    assert.equal(validate({ ...schema, resources: { 'not a token': {} } }), false);
  });

  it('every $ref resolves and every required property exists', () => {
    const refs: string[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref') refs.push(x as string);
          else walk(x);
        }
      }
    };
    walk(schema);
    for (const ref of refs) assert.ok(schema.types[ref.replace('#/types/', '')], `dangling ${ref}`);
    for (const spec of [...Object.values(schema.resources), ...Object.values(schema.types)]) {
      const props = Object.keys(spec.properties ?? {});
      for (const r of (spec.required ?? []) as string[]) assert.ok(props.includes(r), `required ${r} missing`);
      for (const r of (spec.requiredInputs ?? []) as string[]) assert.ok(Object.keys(spec.inputProperties as Spec).includes(r));
    }
  });

  it('describes exactly the properties the provider handles', () => {
    for (const kind of ['volume', 'app', 'volume-snapshot'] as const) {
      const res = schema.resources[RESOURCES[kind].token];
      assert.deepEqual(Object.keys(res.inputProperties as Spec), [...RESOURCES[kind].inputs]);
      assert.deepEqual(Object.keys(res.properties as Spec).sort(), [...RESOURCES[kind].inputs, ...RESOURCES[kind].computed].sort());
    }
    const env = (schema.resources[RESOURCES.app.token].inputProperties as Record<string, Spec>).environment;
    assert.equal(env.secret, true);
  });
});
