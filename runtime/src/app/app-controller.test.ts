// The app lifecycle without QEMU: a real manager, controller, state and store on
// a temporary home, the fake machine driver playing the guest. Each test checks
// what a user sees: the state and status fields, the app's log, machines booted.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Harness, sleep, TIMING } from './testing/lifecycle-harness';

describe('app lifecycle (fake machine)', () => {
  let h: Harness;
  Harness.forEachTest((harness) => (h = harness));

  it('deploys: pulling the image, booting, then ready at the readiness signal', async () => {
    const app = await h.deploy(Harness.spec('web'));
    await h.state('web', 'booting');
    assert.equal(h.driver('web').calls.booted, 1);
    h.driver('web').ready('port 5432 listening');
    const status = await h.state('web', 'ready');
    assert.equal(status.accel, 'fake');
    assert.equal(status.generation, 1);
    assert.equal(status.observedGeneration, 1);
    assert.equal(status.flash, undefined, 'regular mode has no flash stats');
    assert.ok(h.systemLines('web').includes('lttle: ready (port 5432 listening)'));
    assert.equal(app.active, true);
  });

  it('a machine without a readiness signal is declared ready at the boot deadline, saying so', async () => {
    await h.close();
    h = await Harness.create(h.home, { ...TIMING, bootDeadlineMs: 100 });
    await h.deploy(Harness.flashSpec('db'));
    const status = await h.state('db', 'ready');
    const why = 'no readiness signal within 0.1s (flash trigger did not fire; running without a snapshot)';
    assert.equal(status.message, why);
    assert.ok(h.systemLines('db').includes(`lttle: ${why}`));
    assert.equal(h.driver('db').calls.save, 0);
  });

  it('restart policy always: a clean exit boots a new machine after the backoff', async () => {
    await h.deploy(Harness.spec('web'));
    await h.state('web', 'booting');
    h.driver('web').ready();
    await h.state('web', 'ready');
    h.driver('web').appExit('exit 0');
    await h.until('web', 'a second machine', () => h.driver('web').calls.booted === 2);
    assert.equal(h.driver('web').calls.stop, 1, 'the old machine was stopped first');
    assert.ok(h.systemLines('web').includes('lttle: app process ended (exit 0)'));
  });

  it('restart policy on-failure: a clean exit stops, a failed one restarts', async () => {
    await h.deploy(Harness.spec('clean', { 'restart-policy': 'on-failure' }));
    await h.state('clean', 'booting');
    h.driver('clean').appExit('exit 0');
    const stopped = await h.state('clean', 'stopped');
    assert.equal(stopped.message, 'app process ended (exit 0)');
    await sleep(100);
    assert.equal(h.driver('clean').calls.booted, 1);

    await h.deploy(Harness.spec('failing', { 'restart-policy': 'on-failure' }));
    await h.state('failing', 'booting');
    h.driver('failing').appExit('exit 1');
    await h.until('failing', 'a second machine', () => h.driver('failing').calls.booted === 2);
  });

  it('restart policy never: any exit leaves the app stopped', async () => {
    await h.deploy(Harness.spec('once', { 'restart-policy': 'never' }));
    await h.state('once', 'booting');
    h.driver('once').appExit('exit 1');
    assert.equal((await h.state('once', 'stopped')).message, 'app process ended (exit 1)');
    await sleep(100);
    assert.equal(h.driver('once').calls.booted, 1);
    assert.equal(h.app('once').active, false);
  });

  it('restart policy remove: the app is deleted when its process ends', async () => {
    await h.deploy(Harness.spec('job', { 'restart-policy': 'remove' }));
    await h.state('job', 'booting');
    h.driver('job').appExit('exit 0');
    const deadline = Date.now() + 3000;
    while (h.manager.get('test', 'job') && Date.now() < deadline) await sleep(10);
    assert.equal(h.manager.get('test', 'job'), undefined);
    assert.ok(!fs.existsSync(path.join(h.home, 'state', 'apps', 'test', 'job.json')), 'no record left');
  });

  it('a crash loop ends in error instead of booting forever', async () => {
    await h.deploy(Harness.spec('loop'));
    for (let n = 1; n <= 3; n++) {
      await h.until('loop', `machine ${n} booting`, (s) => s.state === 'booting' && h.driver('loop').calls.booted === n);
      h.driver('loop').appExit('exit 1');
    }
    const status = await h.state('loop', 'error');
    assert.match(status.message ?? '', /app process ended \(exit 1\) 3 times within 60s; not restarting/);
    await sleep(100);
    assert.equal(h.driver('loop').calls.booted, 3);
  });

  it('a machine that crashes puts the app in error, saying where to look', async () => {
    await h.deploy(Harness.spec('web'));
    await h.state('web', 'booting');
    h.driver('web').ready();
    await h.state('web', 'ready');
    h.driver('web').crash(137);
    const status = await h.state('web', 'error');
    assert.match(status.message ?? '', /^machine stopped unexpectedly \(qemu exit code 137\); see .*qemu\.log$/);
    assert.ok(h.systemLines('web').includes('lttle: machine stopped unexpectedly (qemu exit code 137)'));
    assert.equal(h.app('web').active, false);
  });

  it('a delete while the boot waits for a volume: no machine ever boots, nothing is left', async () => {
    h.initDriver = (driver) => (driver.waitingFor = 'waiting for volume test/data');
    await h.deploy(Harness.spec('db'));
    const waiting = await h.state('db', 'waiting');
    assert.equal(waiting.message, 'waiting for volume test/data');
    const driver = h.driver('db');
    await h.manager.delete('test', 'db');
    driver.waitingFor = undefined; // the volume appears: too late
    await sleep(100);
    assert.equal(driver.calls.boot, 1);
    assert.equal(driver.calls.booted, 0);
    assert.equal(h.manager.get('test', 'db'), undefined);
    assert.ok(!fs.existsSync(path.join(h.home, 'state', 'apps', 'test', 'db.json')), 'no record left');
    assert.ok(!fs.existsSync(path.join(h.home, 'machines', 'test', 'db')), 'no machine directory left');
  });

  it('a machine-level change replaces the running machine; a live one keeps it', async () => {
    await h.deploy(Harness.spec('web'));
    await h.state('web', 'booting');
    h.driver('web').ready();
    await h.state('web', 'ready');
    await h.manager.apply({ ...Harness.spec('web'), tags: ['blue'] }, false);
    let status = h.status('web');
    assert.deepEqual([status.state, status.generation, status.observedGeneration], ['ready', 2, 2]);
    assert.equal(h.driver('web').calls.booted, 1);

    await h.manager.apply({ ...Harness.spec('web'), tags: ['blue'], resources: { cpu: 1, memory: 512 } }, false);
    status = await h.until('web', 'a new machine', (s) => s.state === 'booting' && h.driver('web').calls.booted === 2);
    assert.deepEqual([status.generation, status.observedGeneration], [3, 3]);
    assert.equal(h.driver('web').calls.stop, 1);
    assert.ok(h.systemLines('web').includes('lttle: replacing the machine for a changed spec (machine generation 2)'));
  });
});
