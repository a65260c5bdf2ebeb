// `pulumi up` interrupted with SIGINT while the app's machine boots (real CLI,
// examples/pulumi-postgres): the engine cancels, the provider stops waiting and
// reports the app as created but not ready (a partial failure the engine keeps),
// and the next `pulumi up` converges with one machine and nothing left to change.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pluginVersion } from '../../provider/src/pulumi/server';
import { packageRoot } from '../../schema/src/paths';
import { installExample, localPulumiEnv } from '../support/pulumi-program';
import { hostPort, psql } from '../support/psql';
import { machinePids, TestRuntime } from '../support/runtime';

const BIN = path.join(packageRoot(), 'build', 'pulumi', 'bin');
const PASSWORD = 'int-pw-5d1e07';

describe('pulumi e2e: SIGINT in the middle of an app create', function () {
  this.timeout(30 * 60_000);
  let rt: TestRuntime;
  let work: string;
  let env: NodeJS.ProcessEnv;

  const pulumi = (...args: string[]): string => {
    const r = spawnSync(path.join(BIN, 'pulumi'), [...args, '--non-interactive'], { cwd: work, env, encoding: 'utf8', timeout: 20 * 60_000 });
    assert.equal(r.status, 0, `pulumi ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };

  before(function () {
    if (!fs.existsSync(path.join(BIN, 'pulumi'))) throw new Error(`${BIN}/pulumi is missing: run \`make pulumi-cli\``);
    rt = new TestRuntime('lttle-pulumi-int-');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-pulumi-int-work-'));
    installExample('pulumi-postgres', work, pluginVersion());
    env = localPulumiEnv(rt.env, BIN, work, 'int-passphrase');
    pulumi('stack', 'init', 'int');
    pulumi('config', 'set', '--secret', 'postgresPassword', PASSWORD);
  });

  after(async function () {
    if (!work) return;
    spawnSync(path.join(BIN, 'pulumi'), ['destroy', '--yes', '--non-interactive'], { cwd: work, env, timeout: 10 * 60_000 });
    await rt.dispose();
    if (!process.env.LTTLE_KEEP_TEST_HOME) fs.rmSync(work, { recursive: true, force: true });
  });

  it('the interrupted up fails; the next up converges with one machine, psql answers and no change is left', async () => {
    const child = spawn(path.join(BIN, 'pulumi'), ['up', '--yes', '--non-interactive'], { cwd: work, env });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await rt.waitForApp('samples', 'postgresql', { states: ['creating', 'booting'], timeoutMs: 10 * 60_000, intervalMs: 100 });
    child.kill('SIGINT');
    const code = await exited;
    assert.notEqual(code, 0, `the interrupted up still succeeded:\n${output}`);

    pulumi('up', '--yes');
    pulumi('preview', '--expect-no-changes');
    assert.equal(machinePids(rt.home).length, 1, 'one machine: the interrupted create left none behind');
    const hostAddress = pulumi('stack', 'output', 'hostAddress').trim();
    assert.equal(await psql({ ...hostPort(hostAddress), password: PASSWORD }, 'select 1', 180_000), '1');
  });
});
