import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { UnreachableError } from '../../../schema/src/errors';
import type { Health } from './api';
import { RuntimeClient } from './client';
import { goneCheckout, staleDaemonMessage } from './stale-daemon';

describe('client: a daemon whose checkout was moved or deleted', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-stale-'));
  const gone = path.join(dir, 'old-checkout');
  const rootError = `cannot find the lttle package root above ${path.join(gone, 'build', 'js', 'schema', 'src')}`;
  const health: Health = { version: '0.1.0', pid: 4242, home: dir, accel: 'tcg' };
  const expected =
    `the running lttled (pid 4242) was started from ${gone}, which no longer exists; ` +
    'stop it with `lttle daemon stop` (or `kill 4242`) and run the command again';
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds the checkout in the health answer, or in the error of a daemon too old to give it', () => {
    assert.equal(goneCheckout({ ...health, root: gone }, 'ENOENT: no such file'), gone);
    assert.equal(goneCheckout({ ...health, root: dir }, rootError), undefined);
    assert.equal(goneCheckout(health, rootError), gone);
    assert.equal(goneCheckout(health, 'disk full'), undefined);
    assert.equal(staleDaemonMessage(4242, gone), expected);
  });

  describe('through the API', () => {
    const socketPath = path.join(dir, 'lttled.sock');
    let answer: Health = health;
    const server = http.createServer((req, res) => {
      const [status, body] = req.url === '/v1/health' ? [200, answer] : [500, { error: { code: 'internal', message: rootError } }];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    before((done) => void server.listen(socketPath, done));
    after((done) => void server.close(() => done()));
    const client = new RuntimeClient({ host: `unix://${socketPath}`, autostart: false });

    for (const [daemon, root] of [
      ['an older daemon', undefined],
      ['a daemon that names its checkout', gone],
    ] as const) {
      it(`says what happened and how to fix it, for ${daemon}`, async () => {
        answer = { ...health, root };
        await assert.rejects(client.listApps(), (err: unknown) => err instanceof UnreachableError && err.message === expected);
      });
    }
  });
});
