// The CLI in a pipeline, as a shell user runs it: everything reaches a slow
// reader before exit, and a reader that stops early (`| head`) ends it quietly.
// The daemon's side of a client that went away: no uncaught EPIPE. (`machine
// logs` of a real guest into pipes is in guest.test.ts.)
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { packageRoot } from '../../../schema/src/paths';
import { TestRuntime } from '../../support/runtime';

describe('hostile input: the CLI in pipes', function () {
  this.timeout(300_000);
  const rt = new TestRuntime('lttle-pipes-');
  const lttle = path.join(packageRoot(), 'bin', 'lttle');
  const sh = (script: string) => spawnSync('bash', ['-o', 'pipefail', '-c', script], { env: rt.env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });

  before(async () => {
    // Enough volumes for well over 64 KiB of JSON (the size of a pipe's buffer).
    for (let batch = 0; batch < 25; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => rt.client.applyVolume({ name: `v${batch * 10 + i}`, namespace: `pipes-${batch % 5}`, size: '1Mi' })),
      );
    }
  });
  after(() => rt.dispose());

  it('writes all of --output json to a slow reader', () => {
    const full = sh(`${lttle} volume list -A --output json`);
    assert.equal(full.status, 0, full.stderr);
    assert.ok(full.stdout.length > 64 * 1024, `${full.stdout.length} bytes`);
    assert.equal((JSON.parse(full.stdout) as unknown[]).length, 250);
    const slow = sh(`${lttle} volume list -A --output json | (sleep 1; wc -c)`);
    assert.equal(slow.status, 0, slow.stderr);
    assert.equal(Number(slow.stdout.trim()), Buffer.byteLength(full.stdout));
  });

  it('ends quietly when the reader closes the pipe', () => {
    const head = sh(`${lttle} volume list -A --output json | head -c 100 >/dev/null`);
    assert.equal(head.status, 0, head.stderr);
    assert.equal(head.stderr, '');
  });

  it('answers exec upgrades of clients that already went away without an uncaught EPIPE in the daemon', async () => {
    const upgrade = 'POST /v1/apps/default/nothing/exec HTTP/1.1\r\nHost: lttled\r\nConnection: Upgrade\r\nUpgrade: lttle-exec\r\n\r\n';
    for (let i = 0; i < 100; i++) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(path.join(rt.home, 'lttled.sock'));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
        socket.on('connect', () => socket.write(upgrade, () => socket.destroy()));
      });
    }
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(await rt.client.health(), 'the daemon still serves');
    assert.doesNotMatch(fs.readFileSync(path.join(rt.home, 'lttled.log'), 'utf8'), /uncaught|EPIPE/);
  });
});
