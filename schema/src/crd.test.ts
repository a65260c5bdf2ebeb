import * as assert from 'node:assert/strict';
import { customResourceDefinitions, type OpenApiNode } from './crd';
import { re2Pattern, SIZE_PATTERN } from './crd-patterns';
import { bundledDocuments, type SchemaNode } from './fields';
import { parseSize } from './size';

function specOf(kind: 'Volume' | 'App', docs = bundledDocuments()): OpenApiNode {
  const crd = customResourceDefinitions(docs).find((c) => c.spec.names.kind === kind);
  assert.ok(crd);
  const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties?.spec;
  assert.ok(spec);
  return spec;
}

/** Every node of a schema, with its path. */
function* nodes(node: OpenApiNode, at = ''): Generator<[string, OpenApiNode]> {
  yield [at, node];
  for (const [key, child] of Object.entries(node.properties ?? {})) yield* nodes(child, `${at}.${key}`);
  if (node.items) yield* nodes(node.items, `${at}[]`);
  if (node.additionalProperties) yield* nodes(node.additionalProperties, `${at}.*`);
  for (const [i, child] of (node.anyOf ?? []).entries()) yield* nodes(child, `${at}|${i}`);
}

describe('custom resource definitions', () => {
  const crds = customResourceDefinitions();

  it('are structural: every field has one type, and no JSON Schema keyword the API server refuses', () => {
    for (const crd of crds) {
      for (const [at, node] of nodes(crd.spec.versions[0].schema.openAPIV3Schema)) {
        const keys = Object.keys(node);
        assert.ok(node.type || node['x-kubernetes-int-or-string'] || at.includes('|'), `${crd.metadata.name} ${at} has no type`);
        for (const refused of ['$ref', 'if', 'then', 'else', 'const', 'propertyNames', 'uniqueItems', 'x-expect', 'x-on-change', 'x-secret', 'x-size'])
          assert.ok(!keys.includes(refused), `${crd.metadata.name} ${at} has ${refused}`);
        if (node.pattern) assert.doesNotMatch(node.pattern, /\(\?<?[=!]/, `${at}: lookaround in ${node.pattern}`);
        assert.ok(!(node.properties && node.additionalProperties), `${at}: properties and additionalProperties together`);
      }
    }
  });

  it('keep name and namespace in metadata and environment values out of the App object', () => {
    const app = specOf('App');
    assert.deepEqual(Object.keys(app.properties ?? {}).sort(), [
      'args',
      'command',
      'dependsOn',
      'environmentSecret',
      'expose',
      'image',
      'mode',
      'resources',
      'restartPolicy',
      'tags',
      'volumes',
    ]);
    assert.deepEqual(app.required, ['image']);
    assert.deepEqual(specOf('Volume').required, ['size']);
  });

  it('spell unions as one-key objects with their default', () => {
    const mode = specOf('App').properties?.mode;
    assert.deepEqual(Object.keys(mode?.properties ?? {}), ['regular', 'flash']);
    assert.equal(mode?.maxProperties, 1);
    assert.deepEqual(mode?.default, { regular: {} });
    const strategy = mode?.properties?.flash.properties?.strategy;
    assert.deepEqual(Object.keys(strategy?.properties ?? {}), ['manual', 'firstListen', 'userSpaceReady', 'nthListen', 'listenOnPort']);
    assert.deepEqual(strategy?.default, { firstListen: {} });
    assert.equal(mode?.properties?.flash.properties?.deepSuspendAfter.default, 60);
  });

  it('carry the schema limits: ports, memory, restart policies, tags as a set', () => {
    const app = specOf('App').properties ?? {};
    assert.deepEqual([app.resources.properties?.memory.minimum, app.resources.properties?.memory.maximum], [64, 65536]);
    assert.deepEqual(app.restartPolicy.enum, ['always', 'on-failure', 'never', 'remove']);
    assert.equal(app.tags['x-kubernetes-list-type'], 'set');
    const port = app.expose.additionalProperties?.properties?.port;
    assert.deepEqual([port?.minimum, port?.maximum], [1, 65535]);
  });

  it('reach a field added to the schema', () => {
    const docs = structuredClone(bundledDocuments());
    (docs['app.schema.json'].properties as Record<string, SchemaNode>)['max-connections'] = { type: 'integer', minimum: 1, description: 'Cap.' };
    assert.deepEqual(specOf('App', docs).properties?.maxConnections, { type: 'integer', minimum: 1, description: 'Cap.' });
  });
});

describe('CRD patterns', () => {
  const samples = ['a', 'a-', 'a-b', 'a--b', 'a_b', '-a', 'a-b-', 'A9', '9a', 'ab--', 'a-b--c', 'x/y', 'x-/y', 'x--/y', 'ns/a-b', '*', 'a*', ''];

  it('accept exactly the strings the schema patterns accept', () => {
    const docs = bundledDocuments();
    const patterns = new Set<string>();
    JSON.stringify(docs, (key, value: unknown) => {
      if (key === 'pattern' && typeof value === 'string') patterns.add(value);
      return value;
    });
    assert.ok(patterns.size >= 4);
    for (const pattern of patterns) {
      const { pattern: rewritten, rule } = re2Pattern(pattern, 'test');
      for (const s of [...samples, '/data', '/a/../b', '/a/.', '/.x', '/a/b/', '/..']) {
        const original = new RegExp(pattern, 'u').test(s);
        // The CEL rule of a path: its segments are not "." or "..".
        const ruleHolds = !rule || !/(^|\/)[.][.]?(\/|$)/.test(s);
        assert.equal(new RegExp(rewritten, 'u').test(s) && ruleHolds, original, `${pattern} vs ${rewritten} on ${JSON.stringify(s)}`);
      }
    }
  });

  it('take the sizes parseSize takes', () => {
    for (const s of ['100Mi', '1.5GB', '42MB', '1Gi', '512Ki', '10 MiB']) {
      assert.ok(parseSize(s) > 0);
      assert.match(s, new RegExp(SIZE_PATTERN));
    }
    for (const s of ['-1G', '1.2.3M', '10XB', 'Mi']) assert.doesNotMatch(s, new RegExp(SIZE_PATTERN));
  });
});
