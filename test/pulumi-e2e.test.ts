// End to end with the real Pulumi CLI: `pulumi up`, an up with no changes,
// `pulumi destroy` on examples/pulumi-postgres. Runs only where a `pulumi`
// binary is on PATH (it cannot be installed on the project's machines);
// otherwise it reports itself skipped (pending), never passed.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../schema/src/paths';
import { TempHome } from '../provider/src/pulumi/testing/harness';

function pulumiOnPath(): boolean {
  return spawnSync('pulumi', ['version'], { stdio: 'ignore' }).status === 0;
}

describe('pulumi e2e: the real CLI on examples/pulumi-postgres', function () {
  this.timeout(30 * 60_000);
  let home: TempHome;
  let work: string;
  let env: NodeJS.ProcessEnv;
  const root = packageRoot();
  const PASSWORD = 'e2e-pw-5c1d9a77';

  const pulumi = (...args: string[]): string => {
    try {
      return execFileSync('pulumi', [...args, '--non-interactive'], { cwd: work, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new Error(`pulumi ${args.join(' ')} failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    }
  };

  before(function () {
    if (!pulumiOnPath()) this.skip();
    home = new TempHome();
    // A copy of the example whose SDK import and plugin path point back into the checkout.
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-pulumi-e2e-'));
    const src = path.join(root, 'examples', 'pulumi-postgres');
    fs.writeFileSync(
      path.join(work, 'index.ts'),
      fs.readFileSync(path.join(src, 'index.ts'), 'utf8').replace('../../provider/src/pulumi/sdk', path.join(root, 'provider', 'src', 'pulumi', 'sdk')),
    );
    fs.writeFileSync(
      path.join(work, 'Pulumi.yaml'),
      fs.readFileSync(path.join(src, 'Pulumi.yaml'), 'utf8').replace('path: ../../bin', `path: ${path.join(root, 'bin')}`),
    );
    for (const f of ['package.json', 'tsconfig.json']) fs.copyFileSync(path.join(src, f), path.join(work, f));
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'));
    fs.mkdirSync(path.join(work, 'state'));
    env = { ...home.env, PULUMI_BACKEND_URL: `file://${path.join(work, 'state')}`, PULUMI_CONFIG_PASSPHRASE: 'e2e', PULUMI_SKIP_UPDATE_CHECK: 'true' };
    pulumi('stack', 'init', 'e2e');
    pulumi('config', 'set', '--secret', 'postgresPassword', PASSWORD);
  });

  after(async function () {
    if (!work) return;
    spawnSync('pulumi', ['destroy', '--yes', '--non-interactive'], { cwd: work, env, stdio: 'ignore' });
    await home.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('pulumi up creates the volume and the app and exports the address', () => {
    const out = pulumi('up', '--yes');
    assert.ok(!out.includes(PASSWORD), 'the password reached pulumi output');
    assert.equal(pulumi('stack', 'output', 'address').trim(), 'tcp://postgresql-access.samples.svc.lttle.local:5432');
  });

  it('a second preview shows no changes', () => {
    pulumi('preview', '--expect-no-changes');
  });

  it('pulumi destroy removes both', async () => {
    pulumi('destroy', '--yes');
    assert.equal(await home.client().getApp('samples', 'postgresql'), undefined);
    assert.equal(await home.client().getVolume('samples', 'pgdata'), undefined);
  });
});
