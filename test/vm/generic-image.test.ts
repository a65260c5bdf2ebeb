// Any image, not only postgres:17-flash: a small multi-layer image (a static
// busybox from the host, a script, a user) pulled from a real registry on
// loopback boots with its config honoured (ENTRYPOINT, CMD, Env, WorkingDir,
// User), and an app's `args` and `command` override it as in Kubernetes. The
// three apps boot in parallel: one round of VM boots for the whole file.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestRegistry, writeLayout } from '../support/registry';
import { TestRuntime } from '../support/runtime';

const RUN_SH = `#!/bin/busybox sh
echo "argv: $0 $*"
echo "cwd: $(/bin/busybox pwd)"
echo "uid: $(/bin/busybox id -u) gid: $(/bin/busybox id -g)"
echo "greeting: $GREETING"
exec /bin/busybox sleep 3600
`;

describe('generic images: the image config and command/args', function () {
  this.timeout(1_500_000);
  const registry = new TestRegistry();
  const rt = new TestRuntime('lttle-generic-');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-generic-work-'));

  async function logsUntil(app: string, pattern: RegExp, timeoutMs = 900_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await rt.cli(['machine', 'logs', '--ns', 'images', app]);
      if (pattern.test(res.stdout)) return res.stdout;
      const status = await rt.client.getApp('images', app);
      if (status?.state === 'error') assert.fail(`app ${app} is in error: ${status.message ?? ''}`);
      if (Date.now() > deadline)
        assert.fail(`logs of ${app} never matched ${pattern} (state ${status?.state}: ${status?.message ?? ''}):\n${res.stdout}${res.stderr}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  before(async () => {
    // A store of this test only: nothing leaks into the suite's shared store.
    rt.env.LTTLE_IMAGE_STORE = path.join(work, 'store');
    await registry.start();
    writeLayout(
      path.join(work, 'layout'),
      [
        { files: { 'bin/busybox': fs.readFileSync('/bin/busybox') }, modes: { 'bin/busybox': 0o755 } },
        { files: { 'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nrunner:x:1234:2345::/srv/app:/bin/sh\n', 'etc/group': 'root:x:0:\nrunners:x:2345:\n' } },
        { files: { 'srv/app/run.sh': RUN_SH }, modes: { 'srv/app/run.sh': 0o755 } },
      ],
      {
        Entrypoint: ['/srv/app/run.sh'],
        Cmd: ['from-cmd'],
        Env: ['PATH=/bin', 'GREETING=hello from the image'],
        WorkingDir: '/srv/app',
        User: 'runner',
      },
    );
    registry.push(path.join(work, 'layout'), 'tests/generic:1');
    const image = `${registry.host}/tests/generic:1`;
    const app = (name: string, extra: string) =>
      `app:\n  name: ${name}\n  namespace: images\n  image: ${image}\n  resources:\n    memory: 128\n  restart-policy: never\n${extra}`;
    const file = rt.writeFile(
      'apps.yaml',
      [
        app('plain', ''),
        app('with-args', '  args: ["from-args", "two"]\n  environment:\n    GREETING: hello from the app\n'),
        app('with-command', '  command: ["/bin/busybox", "echo", "command replaced the entrypoint"]\n'),
      ].join('---\n'),
    );
    const res = await rt.cli(['deploy', file, '--no-wait']);
    assert.equal(res.code, 0, res.stderr);
  });
  after(async () => {
    await rt.dispose();
    await registry.destroy();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('runs the ENTRYPOINT with the CMD, in the WorkingDir, as the User, with the Env', async () => {
    const logs = await logsUntil('plain', /greeting: /);
    assert.match(logs, /^argv: \/srv\/app\/run\.sh from-cmd$/m);
    assert.match(logs, /^cwd: \/srv\/app$/m);
    assert.match(logs, /^uid: 1234 gid: 2345$/m);
    assert.match(logs, /^greeting: hello from the image$/m);
  });

  it('args replace the CMD and keep the ENTRYPOINT; the environment overrides the image Env', async () => {
    const logs = await logsUntil('with-args', /greeting: /);
    assert.match(logs, /^argv: \/srv\/app\/run\.sh from-args two$/m);
    assert.doesNotMatch(logs, /from-cmd/);
    assert.match(logs, /^uid: 1234 gid: 2345$/m);
    assert.match(logs, /^greeting: hello from the app$/m);
  });

  it('command replaces the ENTRYPOINT and drops the CMD', async () => {
    const logs = await logsUntil('with-command', /command replaced/);
    // With the CMD appended, echo would have printed "... entrypoint from-cmd".
    assert.match(logs, /^command replaced the entrypoint$/m);
    assert.doesNotMatch(logs, /argv:|from-cmd/);
    const status = await rt.waitForApp('images', 'with-command', { states: ['stopped'], timeoutMs: 120_000 });
    assert.equal(status.state, 'stopped');
  });
});
