// Hostile input against a real lttled on a TCP listener with a token: each
// case asserts the answer, that nothing outside the home changed, and that
// the daemon still serves afterwards.
import * as assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { RuntimeClient } from '../../../runtime/src/client/client';
import { freePort } from '../../../runtime/src/proxy/service-proxy';
import { TestRuntime } from '../../support/runtime';

const TOKEN = 'hostile-suite-token-0123456789abcdef';

/** Sends raw bytes and returns what came back before the server closed (or `waitMs` passed). */
function raw(port: number, request: string | Buffer, options: { reset?: boolean; waitMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(answer);
    }, options.waitMs ?? 5000);
    socket.on('connect', () => {
      socket.write(request, () => {
        if (options.reset) {
          socket.resetAndDestroy();
          clearTimeout(timer);
          resolve('');
        }
      });
    });
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

function request(method: string, url: string, body = '', headers: Record<string, string> = {}): string {
  const lines = [
    `${method} ${url} HTTP/1.1`,
    'Host: lttled',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Content-Type: application/json',
    'Connection: close',
  ];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

describe('hostile input: the API', function () {
  this.timeout(300_000);
  let rt: TestRuntime;
  let daemon: ChildProcess;
  let port: number;
  let trusted: RuntimeClient;
  let canary: string;

  before(async () => {
    rt = new TestRuntime('lttle-hostile-');
    port = await freePort();
    rt.env.LTTLE_LISTEN = `127.0.0.1:${port}`;
    rt.env.LTTLE_TOKEN = TOKEN;
    daemon = rt.startDaemon();
    await rt.waitForDaemon();
    trusted = new RuntimeClient({ env: { ...rt.env, LTTLE_TOKEN: '' }, autostart: false });
    // A file beside the home that a traversal would reach.
    canary = path.join(path.dirname(rt.home), `${path.basename(rt.home)}-canary.json`);
    fs.writeFileSync(canary, '{"keep":true}');
    await trusted.applyVolume({ name: 'keep', size: '1Mi' });
  });

  after(async () => {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    fs.rmSync(canary, { force: true });
    await rt.dispose();
  });

  afterEach(async () => {
    assert.equal(fs.readFileSync(canary, 'utf8'), '{"keep":true}', 'nothing outside the home changed');
    assert.equal((await trusted.health()).pid, daemon.pid, 'the daemon still serves');
    assert.ok(await trusted.getVolume('default', 'keep'), 'existing volumes are untouched');
  });

  it('never executes a TCP request without the token, even when the client resets at once', async () => {
    const mutations = [
      request('PUT', '/v1/volumes/default/sneaky', JSON.stringify({ name: 'sneaky', size: '1Mi' })),
      request('DELETE', '/v1/volumes/default/keep'),
      request('PUT', '/v1/apps/default/sneaky', JSON.stringify({ name: 'sneaky', image: 'x' })),
      request('POST', '/v1/shutdown'),
    ];
    for (const m of mutations) await raw(port, m, { reset: true });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await trusted.getVolume('default', 'sneaky'), undefined);
    assert.equal(await trusted.getApp('default', 'sneaky'), undefined);
  });

  it('answers a missing and a wrong token the same way', async () => {
    const missing = await raw(port, request('GET', '/v1/volumes'));
    const wrong = await raw(port, request('GET', '/v1/volumes', '', { Authorization: 'Bearer nope' }));
    const right = await raw(port, request('GET', '/v1/volumes', '', { Authorization: `Bearer ${TOKEN}` }));
    assert.equal(statusOf(missing), 401);
    assert.equal(statusOf(wrong), 401);
    assert.equal(missing.split('\r\n\r\n')[1], wrong.split('\r\n\r\n')[1]);
    assert.equal(statusOf(right), 200);
    assert.ok(!fs.readFileSync(path.join(rt.home, 'lttled.test.log'), 'utf8').includes(TOKEN), 'the token is never logged');
  });

  it('refuses every route parameter that is not a name, before any handler', async () => {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const bad = ['..%2F..%2F..%2Fx', '%2e%2e', '..', 'a%00b', 'a'.repeat(300), '\u0440ostgres', '%ZZ', 'a%2Fb', '-x', 'a--b'];
    for (const segment of bad) {
      for (const [method, url] of [
        ['GET', `/v1/volumes/default/${segment}`],
        ['DELETE', `/v1/volumes/default/${segment}`],
        ['DELETE', `/v1/volumes/${segment}/keep`],
        ['GET', `/v1/apps/${segment}/x/logs`],
      ]) {
        const answer = await raw(port, request(method, encodeURI(url).replace(/%25/g, '%'), '', auth));
        assert.equal(statusOf(answer), 400, `${method} ${url}: ${answer.split('\r\n')[0]}`);
      }
    }
    const empty = await raw(port, request('GET', '/v1/volumes/default/', '', auth));
    assert.equal(statusOf(empty), 404, 'an empty segment matches no route');
    const cli = await rt.cli(['volume', 'rm', '--ns', '../volumes/default', 'keep', '-y']);
    assert.notEqual(cli.code, 0);
  });

  it('caps request bodies (413) and closes slow ones', async () => {
    const auth = `Authorization: Bearer ${TOKEN}\r\n`;
    const big = await raw(port, `PUT /v1/volumes/default/big HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: ${100 * 2 ** 20}\r\n\r\n${'x'.repeat(2 * 2 ** 20)}`);
    assert.equal(statusOf(big), 413);
    const started = Date.now();
    const slow = await raw(port, `PUT /v1/volumes/default/slow HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 100\r\n\r\n{"na`, { waitMs: 60_000 });
    assert.ok(Date.now() - started < 45_000, 'a body that never completes is cut off by the request timeout');
    assert.ok(statusOf(slow) === 408 || slow === '', `slow body answer: ${slow.split('\r\n')[0]}`);
    assert.equal(await trusted.getVolume('default', 'slow'), undefined);
  });

  it('refuses an app whose service name another app of the namespace already has, naming both', async () => {
    // Waiting for a volume that does not exist: no machine boots.
    const app = (name: string, key: string) => ({
      name,
      image: 'ghcr.io/lttle-cloud/postgres:17-flash',
      volumes: [{ name: 'absent', path: '/d' }],
      expose: { [key]: { port: 80, internal: {} } },
    });
    await trusted.applyApp(app('a-b', 'c'));
    await assert.rejects(
      trusted.applyApp(app('a', 'b-c')),
      /expose\.b-c: service name a-b-c\.default\.svc\.lttle\.local is already app default\/a-b's service c/,
    );
    assert.equal(await trusted.getApp('default', 'a'), undefined, 'nothing recorded');
    await trusted.applyApp(app('a', 'b-d'));
    await trusted.deleteApp('default', 'a');
    await trusted.deleteApp('default', 'a-b');
  });

  it('stays within its descriptors under thousands of half-open connections', async () => {
    const sockets: net.Socket[] = [];
    for (let i = 0; i < 3000; i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      sockets.push(s);
    }
    await new Promise((r) => setTimeout(r, 2000));
    const fds = fs.readdirSync(`/proc/${daemon.pid}/fd`).length;
    assert.ok(fds < 1024 + 200, `daemon holds ${fds} descriptors`);
    for (const s of sockets) s.destroy();
  });
});

describe('hostile input: daemon start', function () {
  this.timeout(60_000);

  it('refuses a TCP listener with a short token, and starts despite a stale pid file', async () => {
    const rt = new TestRuntime('lttle-hostile-start-');
    try {
      rt.env.LTTLE_LISTEN = `127.0.0.1:${await freePort()}`;
      rt.env.LTTLE_TOKEN = 'short';
      const refused = rt.startDaemon();
      const code = await new Promise((r) => refused.once('exit', r));
      assert.notEqual(code, 0);
      assert.match(fs.readFileSync(path.join(rt.home, 'lttled.test.log'), 'utf8'), /at least 24 characters/);

      delete rt.env.LTTLE_LISTEN;
      delete rt.env.LTTLE_TOKEN;
      // The pid of a live process that is not a daemon (this test) in the pid file.
      fs.writeFileSync(path.join(rt.home, 'lttled.pid'), `${process.pid}\n`);
      const daemon = rt.startDaemon();
      await rt.waitForDaemon();
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('exit', r));
    } finally {
      await rt.dispose();
    }
  });
});
