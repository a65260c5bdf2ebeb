import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DocumentError, loadDocuments, loadDocumentsFromText, loadFiles } from './documents';
import { schemaDefault } from './fields';
import { deepSuspendAfter } from './normalize';
import { packageRoot } from './paths';

const SEED = path.join(packageRoot(), 'examples', 'postgres', 'postgresql.lttle.yaml');

const VOLUME = `volume:
  name: pgdata
  namespace: samples
  mode: writeable
  size: 100Mi
`;

/** The seed's app document with one line replaced (or appended when `from` is empty). */
function app(from: string, to: string): string {
  const base = `app:
  name: postgresql
  namespace: samples
  image: ghcr.io/lttle-cloud/postgres:17-flash
  resources:
    cpu: 1
    memory: 256
  mode:
    flash:
      strategy: manual
      timeout: 3
  environment:
    POSTGRES_PASSWORD: password
  volumes:
    - name: pgdata
      path: /var/lib/postgresql/data
  expose:
    access:
      port: 5432
      internal: {}
`;
  if (!from) return base + to;
  assert.ok(base.includes(from), `fixture has no "${from}"`);
  return base.replace(from, to);
}

function errorsOf(text: string): string[] {
  try {
    loadDocumentsFromText(text, 'test.lttle.yaml');
  } catch (err) {
    assert.ok(err instanceof DocumentError, String(err));
    return err.issues.map(String);
  }
  assert.fail('expected the document to be rejected');
}

describe('lttle documents', () => {
  it('loads the seed file with defaults filled in', () => {
    const [volume, appDoc] = loadDocuments(SEED);
    assert.equal(volume.kind, 'volume');
    assert.deepEqual(volume.spec, { name: 'pgdata', namespace: 'samples', mode: 'writeable', size: 100 * 2 ** 20 });
    assert.equal(appDoc.kind, 'app');
    if (appDoc.kind !== 'app') return;
    assert.deepEqual(appDoc.spec.mode, { flash: { strategy: 'manual', timeout: 3 } });
    assert.deepEqual(appDoc.spec.volumes, [{ name: 'pgdata', namespace: 'samples', path: '/var/lib/postgresql/data' }]);
    assert.deepEqual(appDoc.spec.expose.access, { port: 5432, internal: { port: 5432 }, 'connection-tracking': 'connection-aware' });
    assert.equal(appDoc.spec['restart-policy'], 'always');
    assert.equal(appDoc.location.document, 2);
  });

  it('keeps deep-suspend-after when given (0 = never); the default applies when it is not', () => {
    const [, a] = loadDocumentsFromText(VOLUME + '---\n' + app('timeout: 3', 'timeout: 3\n      deep-suspend-after: 0'), 'x.yaml');
    assert.ok(a.kind === 'app');
    if (a.kind !== 'app') return;
    assert.deepEqual(a.spec.mode, { flash: { strategy: 'manual', timeout: 3, 'deep-suspend-after': 0 } });
    assert.equal(deepSuspendAfter(a.spec.mode), 0);
    assert.equal(deepSuspendAfter({ flash: { strategy: 'manual', timeout: 3 } }), schemaDefault('app', ['mode', 'flash', 'deep-suspend-after']));
    assert.equal(deepSuspendAfter('regular'), 0);
  });

  it('accepts the v1 keys, aliases and numeric environment values', () => {
    const [v, a] = loadDocumentsFromText(
      `volume.v1:\n  name: d\n  mode: readonly\n  size: 1.5GB\n---\napp.v1:\n  name: web\n  image: nginx:1\n  environment:\n    PORT: 8080\n    DEBUG: true\n`,
      'x.yaml',
    );
    assert.deepEqual(v.spec, { name: 'd', namespace: 'default', mode: 'read-only', size: 1_500_000_000 });
    assert.ok(a.kind === 'app');
    if (a.kind === 'app') {
      assert.deepEqual(a.spec.environment, { PORT: '8080', DEBUG: 'true' });
      assert.equal(a.spec.mode, 'regular');
    }
  });

  // Each bad document: the exact message users see, with file, document, line and column.
  const cases: [string, string, string][] = [
    ['misspelled kind', 'volumes:\n  name: x\n', 'test.lttle.yaml: document 1, line 1 col 1: volumes is not a known field; did you mean "volume"?'],
    [
      'zero flash timeout',
      app('timeout: 3', 'timeout: 0'),
      'test.lttle.yaml: document 1 (app "postgresql"), line 11 col 16: mode.flash.timeout must be an integer >= 1 (seconds, at most 86400)',
    ],
    [
      'string flash timeout',
      app('timeout: 3', 'timeout: soon'),
      'test.lttle.yaml: document 1 (app "postgresql"), line 11 col 16: mode.flash.timeout must be an integer >= 1 (seconds, at most 86400)',
    ],
    [
      'negative deep-suspend-after',
      app('timeout: 3', 'timeout: 3\n      deep-suspend-after: -1'),
      'test.lttle.yaml: document 1 (app "postgresql"), line 12 col 27: mode.flash.deep-suspend-after must be an integer >= 0 (seconds, 0 = never, at most 2592000)',
    ],
    [
      'misspelled field',
      app('timeout: 3', 'timout: 3'),
      'test.lttle.yaml: document 1 (app "postgresql"), line 11 col 7: mode.flash.timout is not a known field; did you mean "timeout"?',
    ],
    [
      'unknown strategy',
      app('strategy: manual', 'strategy: manuel'),
      'test.lttle.yaml: document 1 (app "postgresql"), line 10 col 17: mode.flash.strategy must be one of "manual", "first-listen", "user-space-ready", {nth-listen: N}, {listen-on-port: P}',
    ],
    [
      'nth-listen zero',
      app('strategy: manual', 'strategy: {nth-listen: 0}'),
      'test.lttle.yaml: document 1 (app "postgresql"), line 10 col 30: mode.flash.strategy.nth-listen must be an integer from 1 to 64',
    ],
    [
      'unknown mode',
      app('  mode:\n    flash:\n      strategy: manual\n      timeout: 3\n', '  mode: turbo\n'),
      'test.lttle.yaml: document 1 (app "postgresql"), line 8 col 9: mode must be "regular" or {flash: {strategy, timeout}}',
    ],
    [
      'misspelled top-level field',
      app('  resources:', '  resource:'),
      'test.lttle.yaml: document 1 (app "postgresql"), line 5 col 3: resource is not a known field; did you mean "resources"?',
    ],
    [
      'memory too small',
      app('memory: 256', 'memory: 16'),
      'test.lttle.yaml: document 1 (app "postgresql"), line 7 col 13: resources.memory must be an integer from 64 to 65536 (MiB)',
    ],
    [
      'fractional cpu',
      app('cpu: 1', 'cpu: 1.5'),
      'test.lttle.yaml: document 1 (app "postgresql"), line 6 col 10: resources.cpu must be an integer from 1 to 64 (vCPUs)',
    ],
    [
      'missing image',
      app('  image: ghcr.io/lttle-cloud/postgres:17-flash\n', ''),
      'test.lttle.yaml: document 1 (app "postgresql"), line 2 col 3: image is required',
    ],
    [
      'bad app name',
      app('name: postgresql', 'name: 9lives'),
      "test.lttle.yaml: document 1 (app \"9lives\"), line 2 col 9: name must be a name that starts with a letter and has only letters, digits, '-' and '_' (no '--'), at most 63 characters",
    ],
    [
      'double dash in namespace',
      app('namespace: samples', 'namespace: sam--ples'),
      "test.lttle.yaml: document 1 (app \"postgresql\"), line 3 col 14: namespace must be a name that starts with a letter and has only letters, digits, '-' and '_' (no '--'), at most 63 characters",
    ],
    [
      'relative volume path',
      app('path: /var/lib/postgresql/data', 'path: data'),
      'test.lttle.yaml: document 1 (app "postgresql"), line 16 col 13: volumes[0].path must be an absolute path such as /var/lib/postgresql/data (not / and without . or ..)',
    ],
    [
      'volume path of a first segment ..',
      app('path: /var/lib/postgresql/data', 'path: /..'),
      'test.lttle.yaml: document 1 (app "postgresql"), line 16 col 13: volumes[0].path must be an absolute path such as /var/lib/postgresql/data (not / and without . or ..)',
    ],
    [
      'volume without path',
      app('      path: /var/lib/postgresql/data\n', ''),
      'test.lttle.yaml: document 1 (app "postgresql"), line 15 col 7: volumes[0].path is required',
    ],
    [
      'port out of range',
      app('port: 5432', 'port: 70000'),
      'test.lttle.yaml: document 1 (app "postgresql"), line 19 col 13: expose.access.port must be a port number from 1 to 65535',
    ],
    [
      'unknown connection tracking',
      app('      internal: {}\n', '      internal: {}\n      connection-tracking: sometimes\n'),
      'test.lttle.yaml: document 1 (app "postgresql"), line 21 col 28: expose.access.connection-tracking must be "connection-aware" or {traffic-aware: {inactivity-timeout}}',
    ],
    [
      'bad environment name',
      app('POSTGRES_PASSWORD: password', '1BAD: x'),
      'test.lttle.yaml: document 1 (app "postgresql"), line 13 col 5: environment["1BAD"] is not a valid name: must be an environment variable name (letters, digits, \'_\', not starting with a digit)',
    ],
    [
      'environment value is a map',
      app('POSTGRES_PASSWORD: password', 'POSTGRES_PASSWORD: {a: 1}'),
      'test.lttle.yaml: document 1 (app "postgresql"), line 13 col 24: environment.POSTGRES_PASSWORD must be a string, number or boolean',
    ],
    [
      'bad restart policy',
      app('', '  restart-policy: sometimes\n'),
      'test.lttle.yaml: document 1 (app "postgresql"), line 21 col 19: restart-policy must be one of "always", "on-failure", "never", "remove"',
    ],
    [
      'negative size',
      VOLUME.replace('100Mi', '-1G'),
      'test.lttle.yaml: document 1 (volume "pgdata"), line 5 col 9: size must be a size such as 100Mi, 50M, 1.5GB or 1Gi: "-1G" is not a size',
    ],
    [
      'two dots in size',
      VOLUME.replace('100Mi', '1.2.3M'),
      'test.lttle.yaml: document 1 (volume "pgdata"), line 5 col 9: size must be a size such as 100Mi, 50M, 1.5GB or 1Gi: "1.2.3M" is not a size',
    ],
    [
      'unknown unit',
      VOLUME.replace('100Mi', '10XB'),
      'test.lttle.yaml: document 1 (volume "pgdata"), line 5 col 9: size must be a size such as 100Mi, 50M, 1.5GB or 1Gi: "10XB" has an unknown unit "XB" (use Ki, Mi, Gi, Ti, K, M, G, T, KB, MB, GB, TB)',
    ],
    [
      'zero size',
      VOLUME.replace('100Mi', '0'),
      'test.lttle.yaml: document 1 (volume "pgdata"), line 5 col 9: size must be a size such as 100Mi, 50M, 1.5GB or 1Gi: 0 is not a positive whole number of bytes',
    ],
    [
      'size below the minimum',
      VOLUME.replace('100Mi', '512Ki'),
      'test.lttle.yaml: document 1 (volume "pgdata"), line 5 col 9: size must be a size such as 100Mi, 50M, 1.5GB or 1Gi: "512Ki" is smaller than the minimum volume size 1Mi',
    ],
    [
      'bad volume mode',
      VOLUME.replace('writeable', 'rw'),
      'test.lttle.yaml: document 1 (volume "pgdata"), line 4 col 9: mode must be one of "writeable", "read-only"',
    ],
    [
      'unknown kind',
      'database:\n  name: x\n',
      'test.lttle.yaml: document 1, line 1 col 1: database is not a known field (known fields: volume, volume.v1, app, app.v1)',
    ],
    [
      'two kinds in one document',
      'volume:\n  name: a\n  size: 1Gi\napp:\n  name: b\n  image: x\n',
      'test.lttle.yaml: document 1, line 1 col 1: must be a document with exactly one of volume, app (or volume.v1, app.v1)',
    ],
    ['YAML syntax error', 'volume:\n  name: [a\n', ''],
    ['duplicate key', 'volume:\n  name: a\n  name: b\n  size: 1Gi\n', ''],
  ];

  for (const [what, text, expected] of cases) {
    it(`rejects ${what}`, () => {
      const errors = errorsOf(text);
      if (expected) assert.deepEqual(errors, [expected]);
    });
  }

  it('rejects the same mount path twice, naming the second entry', () => {
    const text = app(
      '      path: /var/lib/postgresql/data\n',
      '      path: /var/lib/postgresql/data\n    - name: other\n      path: /var/lib/postgresql/data/\n',
    );
    assert.deepEqual(errorsOf(text), [
      'test.lttle.yaml: document 1 (app "postgresql"), line 18 col 13: volumes[1].path "/var/lib/postgresql/data" is already the mount path of volumes[0]',
    ]);
  });

  it('locates YAML syntax errors and duplicate keys', () => {
    assert.match(errorsOf('volume:\n  name: [a\n')[0], /^test\.lttle\.yaml: document 1 \(volume\), line \d+ col \d+: YAML syntax error: /);
    assert.match(
      errorsOf('volume:\n  name: a\n  name: b\n  size: 1Gi\n')[0],
      /^test\.lttle\.yaml: document 1 \(volume "a"\), line 3 col 3: YAML syntax error: Map keys must be unique/,
    );
  });

  it('reports every bad document of a file, with its index', () => {
    const errors = errorsOf(`${VOLUME.replace('100Mi', '0')}---\n${app('timeout: 3', 'timeout: 0')}`);
    assert.equal(errors.length, 2);
    assert.match(errors[0], /document 1 \(volume "pgdata"\)/);
    assert.match(errors[1], /document 2 \(app "postgresql"\), line 17 col 16: mode\.flash\.timeout/);
  });

  it('rejects a resource declared twice', () => {
    const errors = errorsOf(`${VOLUME}---\n${VOLUME}`);
    assert.deepEqual(errors, [
      'test.lttle.yaml: document 2 (volume "pgdata"), line 7 col 1: name repeats volume samples/pgdata, already declared in test.lttle.yaml document 1',
    ]);
  });

  it('never quotes environment values in errors', () => {
    const errors = errorsOf(app('POSTGRES_PASSWORD: password', 'POSTGRES_PASSWORD: [hunter2]'));
    assert.equal(errors.length, 1);
    assert.doesNotMatch(errors[0], /hunter2/);
  });

  it('rejects a file with no documents', () => {
    assert.deepEqual(errorsOf('# nothing here\n'), ['test.lttle.yaml: document 1, line 1 col 1: has no documents: expected at least one volume or app']);
  });

  it('names the document and line of a syntax error in a later document', () => {
    assert.deepEqual(errorsOf(`${VOLUME}---\napp:\n  name: web\n  image: "x\n`), [
      'test.lttle.yaml: document 2 (app "web"), line 10 col 1: YAML syntax error: Missing closing "quote',
    ]);
  });

  it('places alias errors, which yaml throws without a place, at the alias', () => {
    assert.deepEqual(errorsOf(`${VOLUME}---\napp:\n  name: web\n  image: *nope\n`), [
      'test.lttle.yaml: document 2 (app "web"), line 9 col 10: YAML error: Unresolved alias (the anchor must be set before the alias): nope',
    ]);
  });

  describe('a file that cannot be read', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-documents-'));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const readErrors = (file: string): string[] => {
      try {
        loadFiles([file]);
      } catch (err) {
        assert.ok(err instanceof DocumentError, String(err));
        return err.issues.map(String);
      }
      assert.fail('expected the file to be rejected');
    };

    it('names the file and the reason, not a document 0 at line 0', () => {
      assert.deepEqual(readErrors(dir), [`${dir}: is a directory, not a file`]);
      assert.deepEqual(readErrors(path.join(dir, 'none.yaml')), [`${path.join(dir, 'none.yaml')}: no such file`]);
      const file = path.join(dir, 'plain.yaml');
      fs.writeFileSync(file, VOLUME);
      const [notDir] = readErrors(path.join(file, 'x.yaml'));
      assert.match(notDir, new RegExp(`^${path.join(file, 'x.yaml')}: cannot read it: ENOTDIR`));
      assert.doesNotMatch(notDir, /document 0|line 0/);
    });
  });
});
