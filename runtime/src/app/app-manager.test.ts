// The daemon stops and starts again (an upgrade among them): apps come back from
// their records as they were. A suspended app waits, deep, for a connection that
// restores its snapshot; records and snapshot headers of the previous version
// (machine generation named `generation`) are taken as they are.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { downgradeHeader, downgradeRecord } from './testing/legacy-files';
import { Harness } from './testing/lifecycle-harness';

describe('app manager: a daemon restart', () => {
  let h: Harness;
  Harness.forEachTest((harness) => (h = harness));

  it('brings back a suspended app of the previous version deep-suspended; a connection restores its snapshot', async () => {
    await h.deploy(Harness.flashSpec('db'));
    await h.state('db', 'booting');
    h.driver('db').ready();
    await h.state('db', 'suspended');
    await h.deploy(Harness.spec('web'));
    await h.state('web', 'booting');
    h.driver('web').ready();
    await h.state('web', 'ready');
    await h.close();
    assert.equal(h.driver('db').calls.kill, 1, 'the suspended machine was killed: its state is in the snapshot');
    // As the previous version would have left them: an upgrade keeps the app, its snapshot and its suspended state.
    downgradeRecord(path.join(h.home, 'state', 'apps', 'test', 'db.json'));
    downgradeHeader(path.join(h.home, 'machines', 'test', 'db', 'snapshot.meta'));

    h = await h.restart();
    await h.manager.recover();
    let status = h.status('db');
    assert.deepEqual([status.state, status.flash?.deep, status.generation, status.observedGeneration], ['suspended', true, 1, 1]);
    assert.ok(h.systemLines('db').includes('lttle: suspended machine waits for a connection (deep: persisted snapshot)'));
    assert.equal(h.driver('db').calls.booted, 0);

    const client = await h.connect('db');
    assert.equal(await h.roundTrip(client, 'SELECT 1'), 'SELECT 1');
    status = h.status('db');
    assert.equal(status.state, 'ready');
    assert.equal(status.flash?.resumes?.deep?.count, 1);
    assert.deepEqual([h.driver('db').calls.restored, h.driver('db').calls.booted], [1, 0]);
    // Its snapshot was taken without a balloon: restored without one (a different device set would not load).
    assert.deepEqual(h.driver('db').current?.devices, []);

    // The running app was stopped with the daemon and boots again.
    assert.equal(h.status('web').message, undefined);
    await h.until('web', 'a new machine', (s) => s.state === 'booting' && h.driver('web').calls.booted === 1);
  });

  it('removes the machine directories no app owns (a fork or delete cut short) and keeps every app’s', async () => {
    await h.deploy(Harness.flashSpec('db'));
    await h.state('db', 'booting');
    h.driver('db').ready();
    await h.state('db', 'suspended');
    await h.close();
    // What a daemon killed after copying a fork's memory, before recording the fork, leaves.
    const stray = path.join(h.home, 'machines', 'test', 'pr1');
    fs.mkdirSync(stray, { recursive: true });
    fs.writeFileSync(path.join(stray, 'memory'), 'a copy of the source memory');

    h = await h.restart();
    await h.manager.recover();
    assert.ok(!fs.existsSync(stray), 'the stray directory is gone');
    assert.deepEqual(fs.readdirSync(path.join(h.home, 'machines', 'test')), ['db']);
    assert.equal(h.status('db').state, 'suspended', 'the recorded app keeps its machine and snapshot');
  });
});
