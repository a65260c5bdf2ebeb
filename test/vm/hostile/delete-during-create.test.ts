// Deleting an app while its create is still in flight (the machine is being
// created or is booting): afterwards there is no qemu process, no listener and
// no file of the app, and the daemon keeps serving. No full boot is awaited.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { machinePids, TestRuntime } from '../../support/runtime';

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('hostile input: delete during create', function () {
  this.timeout(600_000);
  const rt = new TestRuntime('lttle-delcreate-');
  after(() => rt.dispose());

  // 0: before the machine exists; later: while QEMU starts or the guest boots.
  for (const delayMs of [0, 400, 3000]) {
    it(`deleting ${delayMs} ms after the create leaves no process, no listener and no file`, async () => {
      const name = `racer-${delayMs}`;
      const created = await rt.client.applyApp({
        name,
        image: 'ghcr.io/lttle-cloud/postgres:17-flash',
        environment: { POSTGRES_PASSWORD: 'password' },
        expose: { access: { port: 5432, external: { host: '127.0.0.1' } } },
      });
      const port = Number(created.status.services[0].hostAddress.split(':')[1]);
      assert.ok(port > 0);
      await new Promise((r) => setTimeout(r, delayMs));
      await rt.client.deleteApp('default', name);
      assert.equal(await rt.client.getApp('default', name), undefined);
      assert.deepEqual(machinePids(rt.home), [], 'no qemu process left');
      assert.equal(await listening(port), false, 'no listener left');
      assert.ok(!fs.existsSync(path.join(rt.home, 'machines', 'default', name)), 'no machine directory left');
      assert.ok(!fs.existsSync(path.join(rt.home, 'state', 'apps', 'default', `${name}.json`)), 'no record left');
      // Nothing comes back a little later either (a boot that was in flight).
      await new Promise((r) => setTimeout(r, 2000));
      assert.deepEqual(machinePids(rt.home), []);
      assert.ok(!fs.existsSync(path.join(rt.home, 'machines', 'default', name)));
      assert.ok((await rt.client.health()).pid > 0, 'the daemon still serves');
    });
  }

  it('deleting an app redeployed while it waits for a missing volume answers at once (no boot queued ahead of the delete)', async () => {
    const spec = { name: 'waiter', image: 'ghcr.io/lttle-cloud/postgres:17-flash', volumes: [{ name: 'missing', path: '/data' }] };
    await rt.client.applyApp({ ...spec, environment: { MARK: 'one' } });
    await rt.waitForApp('default', 'waiter', { states: ['waiting'], timeoutMs: 60_000 });
    await rt.client.applyApp({ ...spec, environment: { MARK: 'two' } });
    const started = Date.now();
    await rt.client.deleteApp('default', 'waiter');
    assert.ok(Date.now() - started < 10_000, `delete took ${Date.now() - started} ms`);
    assert.equal(await rt.client.getApp('default', 'waiter'), undefined);
    assert.ok(!fs.existsSync(path.join(rt.home, 'machines', 'default', 'waiter')), 'no machine directory left');
  });
});
