// Issue 5: `lttle machine exec` into the seed's flash-mode machine — the
// seed's psql session in a real pseudo-terminal, separate streams and exit
// codes, binary stdin, and no process left behind when the client dies.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as pty from 'node-pty';
import { packageRoot } from '../../schema/src/paths';
import { TestRuntime } from '../support/runtime';
import { SEED_FILE } from '../support/seed';
import { deployInitialisedSeedVolume } from '../support/seed-volume';

const LTTLE = path.join(packageRoot(), 'bin', 'lttle');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lttle machine exec', function () {
  this.timeout(900_000);
  const rt = new TestRuntime('lttle-exec-');

  /** Runs lttle with binary stdin; resolves with raw stdout/stderr and the exit code. */
  const execRaw = (args: string[], input?: Buffer) =>
    new Promise<{ code: number; stdout: Buffer; stderr: string }>((resolve, reject) => {
      const child = spawn(LTTLE, args, { env: rt.env });
      const out: Buffer[] = [];
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr }));
      child.stdin.end(input ?? Buffer.alloc(0));
    });

  before(async () => {
    await deployInitialisedSeedVolume(rt);
    const res = await rt.cli(['deploy', SEED_FILE]);
    assert.equal(res.code, 0, res.stderr);
    await rt.waitForApp('samples', 'postgresql', { states: ['suspended'], timeoutMs: 300_000 });
  });

  after(() => rt.dispose());

  it("runs the seed's psql session in a terminal, answering the password prompt", async () => {
    const term = pty.spawn(LTTLE, ['machine', 'exec', '--ns', 'samples', 'postgresql', '-i', '-t', 'psql', '-d', 'db', '-U', 'user', '-W'], {
      name: 'xterm',
      cols: 100,
      rows: 30,
      env: rt.env,
    });
    let screen = '';
    term.onData((d) => (screen += d));
    const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    const waitFor = async (re: RegExp, what: string) => {
      const deadline = Date.now() + 120_000;
      while (!re.test(screen)) {
        if (Date.now() > deadline) assert.fail(`no ${what} on the terminal; it shows:\n${screen}`);
        await sleep(50);
      }
    };
    await waitFor(/Password( for user user)?:/, 'password prompt');
    term.write('password\r');
    await waitFor(/db=#/, 'db=# prompt');
    term.write('select CURRENT_TIME;\r');
    await waitFor(/\d\d:\d\d:\d\d\.\d+\+00\s+\(1 row\)/, 'query result');
    term.write('\\q\r');
    assert.equal(await exited, 0);
    assert.match(screen, /psql \(17\.\d+/);
    assert.doesNotMatch(screen, /password\r?\n.*password/s, 'the password is not echoed');
  });

  it("keeps stdout and stderr apart without a terminal and exits with the command's code", async () => {
    const res = await execRaw(['machine', 'exec', '--ns', 'samples', 'postgresql', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(res.code, 3);
    assert.equal(res.stdout.toString(), 'out\n');
    assert.equal(res.stderr, 'err\n');
  });

  it('runs -i -t with piped input without a pseudo-terminal instead of hanging, and says so', async () => {
    const args = ['machine', 'exec', '--ns', 'samples', 'postgresql', '-i', '-t', '-e', 'PGPASSWORD=password', 'psql', '-d', 'db', '-U', 'user', '-tA'];
    const res = await execRaw(args, Buffer.from('select 40 + 2;\n'));
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.toString(), '42\n');
    assert.match(res.stderr, /standard input is not a terminal.*-t ignored/);
  });

  it("passes the app's environment, -e additions and -u", async () => {
    const res = await execRaw([
      'machine',
      'exec',
      '--ns',
      'samples',
      'postgresql',
      '-e',
      'EXTRA=1',
      '-u',
      'postgres',
      '--',
      'sh',
      '-c',
      'echo "$POSTGRES_DB $EXTRA $(id -un)"',
    ]);
    assert.equal(res.stdout.toString(), 'db 1 postgres\n', res.stderr);
  });

  it('round-trips 10 MB of binary stdin byte for byte', async () => {
    const data = crypto.randomBytes(10 * 2 ** 20);
    const res = await execRaw(['machine', 'exec', '--ns', 'samples', 'postgresql', '-i', '--', 'cat'], data);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.length, data.length);
    assert.equal(crypto.createHash('sha256').update(res.stdout).digest('hex'), crypto.createHash('sha256').update(data).digest('hex'));
  });

  it('leaves no process behind in the guest when the client is killed', async () => {
    const client = spawn(LTTLE, ['machine', 'exec', '--ns', 'samples', 'postgresql', '--', 'sh', '-c', 'sleep 4242 & sleep 4243'], {
      env: rt.env,
      stdio: 'ignore',
    });
    const running = async () =>
      (await execRaw(['machine', 'exec', '--ns', 'samples', 'postgresql', '--', 'sh', '-c', 'ps -eo args | grep -c "^sleep 424[23]" || true'])).stdout
        .toString()
        .trim();
    const deadline = Date.now() + 60_000;
    while ((await running()) !== '2') {
      if (Date.now() > deadline) assert.fail('the session did not start');
      await sleep(200);
    }
    client.kill('SIGKILL');
    const gone = Date.now() + 30_000;
    while ((await running()) !== '0') {
      if (Date.now() > gone) assert.fail("the session's processes are still running in the guest");
      await sleep(200);
    }
  });

  it('resumes a suspended machine and holds it awake while the session is open', async () => {
    await rt.client.suspendApp('samples', 'postgresql');
    assert.equal((await rt.client.getApp('samples', 'postgresql'))!.state, 'suspended');
    const started = Date.now();
    const res = await execRaw(['machine', 'exec', '--ns', 'samples', 'postgresql', '--', 'sleep', '5']);
    assert.equal(res.code, 0, res.stderr);
    assert.ok(Date.now() - started >= 5000);
    const after = (await rt.client.getApp('samples', 'postgresql'))!;
    assert.equal(after.state, 'ready', 'not suspended during the 5 s session (timeout 3 s)');
    await rt.waitForApp('samples', 'postgresql', { states: ['suspended'], timeoutMs: 20_000 });
  });
});
