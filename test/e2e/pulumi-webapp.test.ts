// examples/pulumi-webapp end to end with the real Pulumi CLI (`make pulumi-cli`):
// `pulumi up` creates the database, then the web app with its internal address;
// the exported URL answers 200 with the row count; the next preview is empty;
// the password is in no output. Never pending: without the CLI the file fails.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../../schema/src/paths';
import { pluginVersion } from '../../provider/src/pulumi/server';
import { installExample, localPulumiEnv } from '../support/pulumi-program';
import { TestRuntime } from '../support/runtime';

const root = packageRoot();
const BIN = path.join(root, 'build', 'pulumi', 'bin');
const PASSWORD = 'webapp-pw-7e21c4';

describe('pulumi e2e: the real CLI on examples/pulumi-webapp', function () {
  this.timeout(30 * 60_000);
  let rt: TestRuntime;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let transcript = '';

  const run = (...args: string[]): { code: number; out: string } => {
    const r = spawnSync(path.join(BIN, 'pulumi'), [...args, '--non-interactive'], { cwd: work, env, encoding: 'utf8', timeout: 20 * 60_000 });
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
    transcript += out;
    return { code: r.status ?? -1, out };
  };
  const pulumi = (...args: string[]): string => {
    const r = run(...args);
    assert.equal(r.code, 0, `pulumi ${args.join(' ')} exited ${r.code}:\n${r.out}`);
    return r.out;
  };

  before(function () {
    if (!fs.existsSync(path.join(BIN, 'pulumi')))
      throw new Error(`${BIN}/pulumi is missing: run \`make pulumi-cli\` (builds the Pulumi CLI from Go modules; see README.md, section Pulumi)`);
    rt = new TestRuntime('lttle-pulumi-webapp-');
    // A copy of the example, installed as a user's project would be.
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-pulumi-webapp-work-'));
    installExample('pulumi-webapp', work, pluginVersion());
    env = localPulumiEnv(rt.env, BIN, work, 'webapp-passphrase');
    pulumi('stack', 'init', 'webapp');
    pulumi('config', 'set', '--secret', 'postgresPassword', PASSWORD);
  });

  after(async function () {
    if (!work) return;
    if (run('stack', 'select', 'webapp').code === 0) run('destroy', '--yes');
    await rt.dispose();
    if (!process.env.LTTLE_KEEP_TEST_HOME) fs.rmSync(work, { recursive: true, force: true });
  });

  it("pulumi up creates both apps, the web app with the database's internal address", async () => {
    pulumi('up', '--yes');
    assert.equal(pulumi('stack', 'output', 'database').trim(), 'tcp://postgresql-access.samples.svc.lttle.local:5432');
    const web = await rt.client.getApp('samples', 'webapp');
    assert.equal(web?.spec.environment.DATABASE_ADDRESS, 'tcp://postgresql-access.samples.svc.lttle.local:5432');
    assert.equal(web?.spec.environment.PGPASSWORD, PASSWORD);
  });

  it('the exported URL answers 200 with the row count from the database', async () => {
    const url = pulumi('stack', 'output', 'url').trim();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(url, { signal: AbortSignal.timeout(300_000) });
    const body = await res.text();
    assert.equal(res.status, 200, body);
    assert.match(body, /^\{"visits":\d+\}\n$/);
  });

  it('the next preview shows no changes; the password was in no output', () => {
    pulumi('preview', '--expect-no-changes');
    assert.ok(!transcript.includes(PASSWORD), 'the password never appears in pulumi output');
  });
});
