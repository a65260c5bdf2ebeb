// examples/pulumi-branches with the real Pulumi engine (`make pulumi-cli`): the
// seed alone, then one branch per name in the `branches` config, each reachable
// at its own address with the seed's rows and a password of its own, writes
// kept apart; a name dropped from the list deletes that branch and its volume
// only; destroy leaves no machine, volume or layer. One seed boot.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pluginVersion } from '../../provider/src/pulumi/server';
import { packageRoot } from '../../schema/src/paths';
import { hostPort, psql } from '../support/psql';
import { installExample, localPulumiEnv } from '../support/pulumi-program';
import { machinePids, TestRuntime } from '../support/runtime';

const BIN = path.join(packageRoot(), 'build', 'pulumi', 'bin');
const SEED_PW = 'seed-pw-81c0e2';
const BRANCH_PW = 'branch-pw-3f9a17';

describe('pulumi e2e: examples/pulumi-branches, one branch of the seed per name', function () {
  this.timeout(30 * 60_000);
  let rt: TestRuntime;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let transcript = '';

  const pulumi = (...args: string[]): string => {
    const r = spawnSync(path.join(BIN, 'pulumi'), [...args, '--non-interactive'], { cwd: work, env, encoding: 'utf8', timeout: 20 * 60_000 });
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
    transcript += out;
    assert.equal(r.status, 0, `pulumi ${args.join(' ')} exited ${r.status}:\n${out}`);
    return out;
  };
  const output = <T>(name: string): T => JSON.parse(pulumi('stack', 'output', name, '--json')) as T;
  const db = (address: string, password: string, sql: string) => psql({ ...hostPort(address), password }, sql, 300_000);

  before(function () {
    if (!fs.existsSync(path.join(BIN, 'pulumi')))
      throw new Error(`${BIN}/pulumi is missing: run \`make pulumi-cli\` (builds the Pulumi CLI from Go modules; see README.md, section Pulumi)`);
    rt = new TestRuntime('lttle-pulumi-branches-');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-pulumi-branches-work-'));
    installExample('pulumi-branches', work, pluginVersion());
    env = localPulumiEnv(rt.env, BIN, work, 'branches-passphrase');
    pulumi('stack', 'init', 'previews');
    pulumi('config', 'set', '--secret', 'postgresPassword', SEED_PW);
    pulumi('config', 'set', '--secret', 'branchPassword', BRANCH_PW);
  });

  after(async function () {
    if (!work) return;
    spawnSync(path.join(BIN, 'pulumi'), ['destroy', '--yes', '--non-interactive'], { cwd: work, env, encoding: 'utf8', timeout: 20 * 60_000 });
    await rt.dispose();
    if (!process.env.LTTLE_KEEP_TEST_HOME) fs.rmSync(work, { recursive: true, force: true });
  });

  it('creates a branch per name with the seed rows, its own address and password, keeps writes apart, deletes a dropped one, and destroys all', async () => {
    pulumi('up', '--yes');
    const seed = output<string>('seedHostAddress');
    await db(seed, SEED_PW, "create table pr (v text); insert into pr values ('from the seed')");

    pulumi('config', 'set', 'branches', '["alpha","beta"]');
    const up = pulumi('up', '--yes');
    assert.match(up, /\+\s+lttle:index:App\s+preview-alpha\s+created/, up);
    const branches = output<Record<string, string>>('branchHostAddresses');
    assert.deepEqual(Object.keys(branches).sort(), ['alpha', 'beta']);
    assert.equal(new Set([seed, branches.alpha, branches.beta]).size, 3, 'each has its own address');
    for (const name of ['alpha', 'beta']) assert.equal(await db(branches[name], BRANCH_PW, 'select v from pr'), 'from the seed', `${name} has the seed's rows`);
    await db(branches.alpha, BRANCH_PW, "insert into pr values ('alpha only')");
    await db(seed, SEED_PW, "insert into pr values ('seed later')");
    assert.equal(await db(branches.beta, BRANCH_PW, 'select count(*) from pr'), '1', 'beta sees neither');
    assert.equal(await db(seed, SEED_PW, "select string_agg(v, ',' order by v) from pr"), 'from the seed,seed later');
    assert.equal(await db(branches.alpha, BRANCH_PW, "select string_agg(v, ',' order by v) from pr"), 'alpha only,from the seed');
    pulumi('preview', '--expect-no-changes');

    pulumi('config', 'set', 'branches', '["beta"]');
    const dropped = pulumi('up', '--yes');
    assert.match(dropped, /-\s+lttle:index:App\s+preview-alpha\s+deleted/, dropped);
    assert.equal(await rt.client.getVolume('previews', 'preview-alpha-pgdata'), undefined, "the dropped branch's volume is gone");
    assert.equal(await db(branches.beta, BRANCH_PW, 'select count(*) from pr'), '1', 'beta is untouched');
    assert.equal(await db(seed, SEED_PW, 'select count(*) from pr'), '2', 'the seed is untouched');

    pulumi('destroy', '--yes');
    assert.deepEqual(await rt.client.listApps(), []);
    assert.deepEqual(await rt.client.listVolumes(), []);
    assert.deepEqual(fs.readdirSync(path.join(rt.home, 'layers')), [], 'no layer is left');
    assert.deepEqual(machinePids(rt.home), []);
    for (const pw of [SEED_PW, BRANCH_PW]) assert.ok(!transcript.includes(pw), 'a password reached pulumi output');
  });
});
