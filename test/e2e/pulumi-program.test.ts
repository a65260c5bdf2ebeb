// Program tests of examples/pulumi-postgres with pulumi.runtime.setMocks: the
// resources the program registers, their inputs, ordering, secrets and exports.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { packageRoot } from '../../schema/src/paths';
import { SECRET_SIG, SIG_KEY } from '../../provider/src/pulumi/values';
import { builtSdk, type Registered, runExampleWithMocks, typeCheckExample, value } from '../support/pulumi-program';

describe('pulumi program: examples/pulumi-postgres (mocks)', function () {
  this.timeout(60_000);
  let registered: Registered[] = [];
  let exports: Record<string, pulumi.Output<unknown>>;

  before(async () => {
    ({ registered, exports } = await runExampleWithMocks('pulumi-postgres', 'lttle-postgres'));
    await value(exports.address);
  });

  it('type-checks against the SDK', () => {
    assert.deepEqual(typeCheckExample('pulumi-postgres'), []);
  });

  it('registers the seed volume, then the app that mounts it', () => {
    assert.deepEqual(
      registered.map((r) => `${r.type} ${r.name}`),
      ['lttle:index:Volume pgdata', 'lttle:index:App postgresql'],
    );
    const [volume, app] = registered;
    assert.deepEqual({ ...volume.inputs }, { name: 'pgdata', namespace: 'samples', mode: 'writeable', size: '100Mi' });
    assert.equal(app.inputs.name, 'postgresql', 'the seed names are explicit, not autonamed');
    assert.equal(app.inputs.image, 'ghcr.io/lttle-cloud/postgres:17-flash');
    assert.deepEqual(app.inputs.mode, { flash: { strategy: 'manual', timeout: 3 } });
    assert.deepEqual(app.inputs.resources, { cpu: 1, memory: 256 });
    // The mount names come from the volume's outputs: that is what orders the two.
    assert.deepEqual(app.inputs.volumes, [{ name: 'pgdata', namespace: 'samples', path: '/var/lib/postgresql/data' }]);
    assert.deepEqual(app.inputs.expose, { access: { port: 5432, internal: {} } });
  });

  it('passes the password as a secret and keeps environment secret in outputs', async () => {
    const app = registered[1];
    // The engine (here the mock monitor) receives the environment as a secret value.
    assert.deepEqual(app.inputs.environment, { [SIG_KEY]: SECRET_SIG, value: { POSTGRES_PASSWORD: 'password', POSTGRES_USER: 'user', POSTGRES_DB: 'db' } });
    assert.match(fs.readFileSync(path.join(packageRoot(), 'examples', 'pulumi-postgres', 'index.ts'), 'utf8'), /pulumi\.secret\('password'\)/);
    const { App } = require(builtSdk()) as { App: new (name: string, args: Record<string, unknown>) => { environment: pulumi.Output<unknown> } };
    const res = new App('probe', { image: 'img', environment: { A: 'plain' } });
    assert.equal(await pulumi.isSecret(res.environment), true);
  });

  it('exports the service address', async () => {
    assert.equal(await value(exports.address), 'tcp://postgresql-access.samples.svc.lttle.local:5432');
    assert.equal(await value(exports.hostAddress), '127.0.0.1:45432');
    assert.equal(await value(exports.volumeSizeBytes), 104857600);
  });
});
