// Flash mode without QEMU: suspend at the flash trigger, on idle and on request;
// flash locks; wake on connect through the service listener; deep suspend and
// restore; a failing suspend; spec changes while suspended. The fake machine
// driver plays the guest, snapshot files are real (in a temporary home).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FLASH_TIMEOUT, Harness, sleep } from '../app/testing/lifecycle-harness';

const IDLE_MS = FLASH_TIMEOUT * 1000;

describe('flash mode lifecycle (fake machine)', () => {
  let h: Harness;
  Harness.forEachTest((harness) => (h = harness));

  const snapshotHeader = (name: string) => path.join(h.home, 'machines', 'test', name, 'snapshot.meta');

  /** Deploys a flash app and fires its flash trigger: it is suspended with a snapshot. */
  async function suspendedApp(name: string, flash: { 'deep-suspend-after'?: number } = {}): Promise<void> {
    await h.deploy(Harness.flashSpec(name, flash));
    await h.state(name, 'booting');
    h.driver(name).ready('postgres accepts connections');
    await h.state(name, 'suspended');
  }

  it('suspends at the flash trigger, with a snapshot on disk', async () => {
    await suspendedApp('db');
    const status = h.status('db');
    assert.ok(status.flash?.suspendedSince && status.flash.lastSuspendAt);
    assert.equal(status.flash.deep, false);
    assert.ok((status.flash.snapshotBytes ?? 0) > 0, 'the snapshot takes disk space');
    assert.ok(fs.existsSync(snapshotHeader('db')));
    const d = h.driver('db');
    assert.deepEqual([d.calls.booted, d.calls.pause, d.calls.save], [1, 1, 1]);
    assert.equal(d.current?.paused, true);
    const lines = h.systemLines('db');
    assert.ok(lines.includes('lttle: flash trigger fired (postgres accepts connections): taking the flash snapshot'));
    assert.ok(lines.some((l) => /^lttle: suspended \(flash snapshot\) in \d+ ms$/.test(l)));
  });

  it('resumes and suspends on operator request', async () => {
    await suspendedApp('db');
    await h.app('db').resume('operator request');
    let status = h.status('db');
    assert.equal(status.state, 'ready');
    assert.equal(status.flash?.resumes?.memory?.count, 1);
    assert.equal(status.flash?.suspendedSince, undefined);
    assert.ok(!fs.existsSync(snapshotHeader('db')), 'the snapshot is dropped once the guest runs');
    await h.app('db').suspend('operator request', true);
    status = h.status('db');
    assert.equal(status.state, 'suspended');
    assert.ok(h.systemLines('db').some((l) => l.startsWith('lttle: suspended (operator request)')));
    assert.equal(h.driver('db').calls.save, 2);
  });

  it('wakes on connect: a suspended machine resumes, connections queued meanwhile are served, then it suspends when idle', async () => {
    await suspendedApp('db');
    const d = h.driver('db');
    d.resumeDelayMs = 150;
    const started = Date.now();
    const [a, b] = await Promise.all([h.connect('db'), h.connect('db')]);
    const echoes = await Promise.all([h.roundTrip(a, 'SELECT 1'), h.roundTrip(b, 'SELECT 2')]);
    assert.deepEqual(echoes, ['SELECT 1', 'SELECT 2']);
    assert.ok(Date.now() - started >= 150, 'both waited for the resume');
    let status = h.status('db');
    assert.equal(status.state, 'ready');
    assert.equal(status.flash?.resumeCount, 1, 'one resume served both');
    assert.equal(status.flash?.connections, 2);
    assert.ok(h.systemLines('db').some((l) => /^lttle: resumed \(connection\) in [\d.]+ ms$/.test(l)));

    // Open connections keep it awake past the timeout.
    await sleep(IDLE_MS * 3);
    assert.equal(h.status('db').state, 'ready');
    a.destroy();
    b.destroy();
    status = await h.state('db', 'suspended');
    assert.ok(h.systemLines('db').some((l) => l.startsWith('lttle: suspended (idle)')));
    assert.deepEqual([d.calls.booted, d.calls.save], [1, 2]);
  });

  it('stays awake while the guest holds a flash lock, suspends once it is released', async () => {
    await suspendedApp('db');
    await h.app('db').resume('operator request');
    h.driver('db').locks(1);
    await sleep(IDLE_MS * 3);
    const status = h.status('db');
    assert.equal(status.state, 'ready');
    assert.equal(status.flash?.locksHeld, 1);
    assert.equal(status.flash?.awake?.locksHeld, 1);
    h.driver('db').locks(0);
    await h.state('db', 'suspended');
    assert.ok(h.systemLines('db').some((l) => l.startsWith('lttle: suspended (idle)')));
  });

  it('deep-suspends: the machine goes, the app stays suspended, and the next connection restores it', async () => {
    await suspendedApp('db', { 'deep-suspend-after': 0.3 });
    await h.until('db', 'deep suspend', (s) => s.flash?.deep === true);
    const d = h.driver('db');
    assert.equal(h.status('db').state, 'suspended');
    assert.equal(d.calls.kill, 1);
    assert.equal(d.running, undefined, 'no machine runs');
    assert.ok(h.systemLines('db').some((l) => l.startsWith('lttle: deep-suspended (suspended for 0.3 s (deep-suspend-after); snapshot durable')));
    assert.match(fs.readFileSync(snapshotHeader('db'), 'utf8'), /"durable":true/);
    // Slimmed first: the guest ran to hand memory back, so the snapshot was taken again after it.
    assert.deepEqual([d.calls.reclaim, d.calls.resume, d.calls.save, d.calls.pause], [1, 1, 2, 2]);
    assert.ok(h.systemLines('db').some((l) => /^lttle: memory handed back: 1\.0 → 0\.3 MiB allocated/.test(l)));

    const client = await h.connect('db');
    assert.equal(await h.roundTrip(client, 'SELECT 1'), 'SELECT 1');
    const status = h.status('db');
    assert.equal(status.state, 'ready');
    assert.equal(status.flash?.resumes?.deep?.count, 1);
    assert.equal(status.flash?.deep, undefined);
    assert.deepEqual([d.calls.booted, d.calls.restored, d.calls.load], [1, 1, 1]);
    assert.ok(h.systemLines('db').some((l) => l.startsWith('lttle: resumed (connection, from deep suspend)')));
  });

  it('a wake from deep suspend serves its connection when the guest is slow to confirm its clock, or never does', async () => {
    // Ten apps woken at once on two cores: a guest took 3-11 s to answer, and a 2 s wait closed the client's connection.
    await suspendedApp('db', { 'deep-suspend-after': 0.3 });
    await h.until('db', 'deep suspend', (s) => s.flash?.deep === true);
    const d = h.driver('db');
    d.clockAnswerMs = 250; // within the wait (300 ms in tests, 30 s in lttled)
    const late = await h.connect('db');
    assert.equal(await h.roundTrip(late, 'SELECT 1'), 'SELECT 1');
    assert.equal(h.status('db').state, 'ready');
    assert.ok(!h.systemLines('db').some((l) => l.includes('guest clock not confirmed')));
    late.end();

    await h.app('db').suspend('operator request', true);
    await h.until('db', 'deep suspend again', (s) => s.flash?.deep === true);
    d.clockAnswerMs = 5000;
    const never = await h.connect('db');
    assert.equal(await h.roundTrip(never, 'SELECT 2'), 'SELECT 2');
    assert.equal(h.status('db').state, 'ready');
    assert.equal(h.status('db').flash?.resumes?.deep?.count, 2);
    assert.ok(
      h
        .systemLines('db')
        .includes('lttle: guest clock not confirmed (the guest agent did not answer within 300 ms): serving anyway; the guest sets it when it runs'),
    );
  });

  it('a connection its client closed while the guest was paused keeps the app out of no deep suspend', async () => {
    await suspendedApp('db', { 'deep-suspend-after': 0.3 });
    await h.until('db', 'deep suspend', (s) => s.flash?.deep === true);
    // The guest never answers the close: its client's FIN arrived as the machine was being suspended.
    h.guestAnswersClose = false;
    const client = await h.connect('db');
    assert.equal(await h.roundTrip(client, 'SELECT 1'), 'SELECT 1');
    client.end();
    await h.until('db', 'the client close seen', (s) => s.flash?.awake?.connections[0]?.clientClosed === true);
    await h.app('db').suspend('operator request', true);
    await h.until('db', 'deep suspend with the closed connection', (s) => s.flash?.deep === true);
    assert.equal(h.status('db').flash?.awake?.connections.length, 1, 'the half-closed connection was still tracked');
  });

  it('a guest that does not hand memory back still deep-suspends, and says why', async () => {
    await h.deploy(Harness.flashSpec('db', { 'deep-suspend-after': 0.3 }));
    await h.state('db', 'booting');
    const d = h.driver('db');
    d.failReclaim = 'the guest agent did not answer within 10000 ms';
    d.ready();
    await h.until('db', 'deep suspend', (s) => s.flash?.deep === true);
    assert.equal(d.calls.reclaim, 1);
    assert.ok(
      h
        .systemLines('db')
        .includes('lttle: memory not handed back (the guest agent did not answer within 10000 ms); deep-suspending with the memory file as it is'),
    );
    assert.match(fs.readFileSync(snapshotHeader('db'), 'utf8'), /"durable":true/);
    const client = await h.connect('db');
    assert.equal(await h.roundTrip(client, 'SELECT 1'), 'SELECT 1');
  });

  it('a failed suspend leaves the app running, says why, and retries with a doubling backoff', async () => {
    await h.deploy(Harness.flashSpec('db'));
    await h.state('db', 'booting');
    const d = h.driver('db');
    d.failSave = 'no space left on device';
    d.ready();
    // Read from the log, not polled from the status: a slow poll could miss the first try.
    const failed = (retry: string) => `lttle: suspend (${retry}) failed, the app keeps running; retrying in `;
    await h.until('db', 'two failed tries', () => h.systemLines('db').some((l) => l.startsWith(failed('retry'))));
    const lines = h.systemLines('db');
    assert.ok(lines.includes(`${failed('flash snapshot')}0.1s: no space left on device`));
    assert.ok(lines.includes(`${failed('retry')}0.2s: no space left on device`), 'the backoff doubled');
    let status = h.status('db');
    assert.equal(status.state, 'ready');
    assert.equal(status.flash?.lastSuspendError?.message, 'no space left on device');
    assert.ok((status.flash?.lastSuspendError?.retryInSeconds ?? 0) >= 0.2);
    assert.equal(d.current?.paused, false, 'the machine runs again');
    assert.ok(!fs.existsSync(snapshotHeader('db')), 'no half-written snapshot is kept');
    d.failSave = undefined;
    status = await h.state('db', 'suspended');
    assert.equal(status.flash?.lastSuspendError, undefined);
    assert.ok(h.systemLines('db').some((l) => l.startsWith('lttle: suspended (retry)')));

    // Asked for by the operator, the failure is the answer.
    await h.app('db').resume('operator request');
    d.failPause = 'qmp: stop failed';
    await assert.rejects(h.app('db').suspend('operator request', true), /qmp: stop failed/);
    assert.equal(h.status('db').state, 'ready');
  });

  it('a machine-level change while suspended discards the snapshot and boots cold', async () => {
    await suspendedApp('db');
    await h.manager.apply({ ...Harness.flashSpec('db'), environment: { POSTGRES_DB: 'other' } }, false);
    const status = await h.until('db', 'a new machine', (s) => s.state === 'booting' && h.driver('db').calls.booted === 2);
    assert.deepEqual([status.generation, status.observedGeneration], [2, 2]);
    assert.equal(status.flash?.suspendedSince, undefined);
    assert.equal(h.driver('db').calls.stop, 1);
    assert.ok(!fs.existsSync(snapshotHeader('db')));
    assert.ok(h.systemLines('db').includes('lttle: replacing the machine for a changed spec (machine generation 2)'));
  });

  it('a machine-level change while deep-suspended discards the persisted snapshot and boots cold', async () => {
    await suspendedApp('db', { 'deep-suspend-after': 0.3 });
    await h.until('db', 'deep suspend', (s) => s.flash?.deep === true);
    await h.manager.apply({ ...Harness.flashSpec('db', { 'deep-suspend-after': 0.3 }), environment: { POSTGRES_DB: 'other' } }, false);
    await h.until('db', 'a new machine', (s) => s.state === 'booting' && h.driver('db').calls.booted === 2);
    assert.ok(h.systemLines('db').includes('lttle: discarding the deep-suspend snapshot: the machine changed (machine generation 2)'));
    assert.equal(h.driver('db').calls.restore, 0);
  });

  it('a live change while suspended keeps the snapshot: the next connection resumes it', async () => {
    await suspendedApp('db');
    await h.manager.apply({ ...Harness.flashSpec('db'), tags: ['blue'] }, false);
    await sleep(50);
    const status = h.status('db');
    assert.deepEqual([status.state, status.generation, status.observedGeneration], ['suspended', 2, 2]);
    assert.ok(fs.existsSync(snapshotHeader('db')));
    const client = await h.connect('db');
    assert.equal(await h.roundTrip(client, 'SELECT 1'), 'SELECT 1');
    assert.equal(h.status('db').flash?.resumes?.memory?.count, 1);
    assert.equal(h.driver('db').calls.booted, 1);
  });
});
