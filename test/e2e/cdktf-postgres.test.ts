// CDK for Terraform end to end: `cdktf synth`, `cdktf deploy` and `cdktf
// destroy` with the real cdktf-cli, terraform and runtime, fully offline.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RuntimeClient } from '../../runtime/src/client/client';
import { packageRoot } from '../../schema/src/paths';
import { writeMirror } from '../fixtures/terraform/harness';
import { hostPort, psql } from '../support/psql';

const CDKTF = path.join(packageRoot(), 'node_modules', '.bin', 'cdktf');

class CdktfRun {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-cdktf-'));
  readonly home = path.join(this.root, 'home');
  readonly out = path.join(this.root, 'cdktf.out');
  readonly env: NodeJS.ProcessEnv;

  constructor(readonly project: string) {
    this.env = {
      ...process.env,
      CI: 'true',
      CHECKPOINT_DISABLE: '1',
      DISABLE_VERSION_CHECK: '1',
      CDKTF_DISABLE_PLUGIN_CACHE_ENV: '1',
      TF_CLI_CONFIG_FILE: writeMirror(path.join(this.root, 'terraform')),
      TF_IN_AUTOMATION: '1',
      LTTLE_HOME: this.home,
      LTTLE_HOST: '',
      LTTLE_TOKEN: '',
      LTTLE_CDKTF_STATE: path.join(this.root, 'terraform.tfstate'),
    };
  }

  cdktf(args: string[], extraEnv: NodeJS.ProcessEnv = {}): string {
    const res = spawnSync(CDKTF, [...args, '--output', this.out], {
      cwd: this.project,
      env: { ...this.env, ...extraEnv },
      encoding: 'utf8',
      timeout: 30 * 60_000,
    });
    if (res.status !== 0) throw new Error(`cdktf ${args.join(' ')} exited ${res.status}\n${res.stdout}\n${res.stderr}`);
    return res.stdout;
  }

  client(): RuntimeClient {
    return new RuntimeClient({ env: { ...process.env, LTTLE_HOME: this.home, LTTLE_HOST: '' } });
  }

  async cleanup(): Promise<void> {
    if (fs.existsSync(path.join(this.home, 'lttled.sock'))) {
      await new RuntimeClient({ env: { ...process.env, LTTLE_HOME: this.home, LTTLE_HOST: '' }, autostart: false })
        .request('POST', '/v1/shutdown')
        .catch(() => undefined);
    }
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

function stackJson(
  run: CdktfRun,
  stack: string,
): { resource: Record<string, Record<string, Record<string, unknown>>>; terraform: { required_providers: Record<string, { source: string }> } } {
  return JSON.parse(fs.readFileSync(path.join(run.out, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
}

describe('cdktf: examples/cdktf-postgres', function () {
  this.timeout(1_800_000);
  const example = path.join(packageRoot(), 'examples', 'cdktf-postgres');

  it('synthesizes the seed as terraform JSON', async () => {
    const run = new CdktfRun(example);
    try {
      run.cdktf(['synth']);
      const json = stackJson(run, 'postgres');
      assert.equal(json.terraform.required_providers.lttle.source, 'lttle/lttle');
      assert.deepEqual(json.resource.lttle_volume.pgdata.size, '100Mi');
      const app = json.resource.lttle_app.postgresql;
      assert.deepEqual(app.mode, { flash: { strategy: 'manual', timeout: 3 } });
      assert.deepEqual(app.environment, { POSTGRES_USER: 'user', POSTGRES_DB: 'db' });
      assert.deepEqual(app.secret_environment, { POSTGRES_PASSWORD: 'password' });
      assert.deepEqual(app.expose, { access: { port: 5432, internal: {} } });
      assert.deepEqual(app.volumes, [{ name: '${lttle_volume.pgdata.name}', path: '/var/lib/postgresql/data' }]);
    } finally {
      await run.cleanup();
    }
  });

  it('deploys and destroys a volume-only stack (no microVMs needed)', async () => {
    const run = new CdktfRun(path.join(packageRoot(), 'test', 'fixtures', 'terraform', 'cdktf-volume'));
    try {
      run.cdktf(['deploy', '--auto-approve', '--skip-provider-lock']);
      assert.equal((await run.client().getVolume('samples', 'cdktf-data'))?.spec.size, 64 * 2 ** 20);
      run.cdktf(['deploy', '--auto-approve', '--skip-provider-lock'], { LTTLE_VOLUME_SIZE: '128Mi' });
      assert.equal((await run.client().getVolume('samples', 'cdktf-data'))?.spec.size, 128 * 2 ** 20);
      run.cdktf(['destroy', '--auto-approve'], { LTTLE_VOLUME_SIZE: '128Mi' });
      assert.deepEqual(await run.client().listVolumes(), []);
    } finally {
      await run.cleanup();
    }
  });

  it('deploys the seed, the app answers psql, destroy leaves nothing (real microVMs)', async () => {
    const run = new CdktfRun(example);
    try {
      run.cdktf(['deploy', '--auto-approve', '--skip-provider-lock', '--outputs-file', path.join(run.root, 'outputs.json')]);
      const outputs = JSON.parse(fs.readFileSync(path.join(run.root, 'outputs.json'), 'utf8')) as { postgres: { host_address: string; address: string } };
      assert.equal(outputs.postgres.address, 'tcp://postgresql-access.samples.svc.lttle.local:5432');
      assert.equal(await psql(hostPort(outputs.postgres.host_address), 'select 1'), '1');
      run.cdktf(['destroy', '--auto-approve']);
      assert.deepEqual(await run.client().listApps(), []);
      assert.deepEqual(await run.client().listVolumes(), []);
    } finally {
      await run.cleanup();
    }
  });
});
