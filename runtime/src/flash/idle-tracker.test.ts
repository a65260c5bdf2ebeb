import * as assert from 'node:assert/strict';
import { IdleTracker } from './idle-tracker';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('idle tracker', () => {
  it('fires after the timeout with no connection, not while one is open', async () => {
    let fired = 0;
    const tracker = new IdleTracker(300, {}, () => fired++);
    const conn = { id: 1, service: 'db', client: '127.0.0.1:1', lastActivity: Date.now() };
    tracker.add(conn);
    tracker.start();
    await wait(600);
    assert.equal(fired, 0, 'an open connection-aware connection keeps it awake');
    tracker.remove(conn);
    await wait(150);
    assert.equal(fired, 0, 'not before the timeout');
    await wait(400);
    assert.equal(fired, 1);
    tracker.stop();
  });

  it('does not fire while a flash lock is held', async () => {
    let fired = 0;
    const tracker = new IdleTracker(200, {}, () => fired++);
    tracker.setLocks(1);
    tracker.start();
    await wait(500);
    assert.equal(fired, 0);
    tracker.setLocks(0);
    await wait(400);
    assert.equal(fired, 1);
    tracker.stop();
  });

  it('stops counting a quiet traffic-aware connection after its inactivity timeout', async () => {
    let fired = 0;
    const tracker = new IdleTracker(100, { db: { 'traffic-aware': { 'inactivity-timeout': 1 } } }, () => fired++);
    tracker.add({ id: 1, service: 'db', client: '127.0.0.1:1', lastActivity: Date.now() });
    tracker.start();
    await wait(700);
    assert.equal(fired, 0, 'recent traffic counts');
    await wait(800);
    assert.equal(fired, 1, 'a quiet connection does not');
    tracker.stop();
  });
});
