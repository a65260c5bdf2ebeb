// Tiers by the host's memory, with the fake machine: while the host has memory
// suspended apps keep their paused QEMU; below the threshold the least recently
// suspended goes deep first, one per look, and says why in `app get`;
// `deep-suspend-after: 0` is never picked. The thresholds are settings.
import * as assert from 'node:assert/strict';
import { Harness, sleep } from '../app/testing/lifecycle-harness';
import { MemoryPressure, tierSettings, type PressureCandidate } from './memory-pressure';

describe('memory pressure tiers (fake machine)', () => {
  let h: Harness;
  Harness.forEachTest((harness) => (h = harness));

  async function suspendedApp(name: string, deepAfter: number): Promise<void> {
    await h.deploy(Harness.flashSpec(name, { 'deep-suspend-after': deepAfter }));
    await h.state(name, 'booting');
    h.driver(name).ready();
    await h.state(name, 'suspended');
    await sleep(5); // distinct suspend times: the order is the test's
  }

  it('keeps apps paused while memory is available, then deep-suspends the least recently suspended first', async () => {
    await suspendedApp('never', 0);
    await suspendedApp('old', 600);
    await suspendedApp('new', 600);
    let available = 4096;
    const pressure = new MemoryPressure(
      { belowMiB: 1024, pollMs: 1000 },
      () => h.manager.pressureCandidates(),
      () => available,
    );

    assert.equal(await pressure.look(), undefined);
    assert.deepEqual(
      ['never', 'old', 'new'].map((n) => h.status(n).flash?.deep),
      [false, false, false],
      'all paused',
    );

    available = 700;
    assert.match((await pressure.look()) ?? '', /^memory pressure: the host has 700 MiB available, below 1024 MiB$/);
    const old = h.status('old');
    assert.deepEqual([old.flash?.deep, h.status('new').flash?.deep, h.status('never').flash?.deep], [true, false, false], 'only the oldest went deep');
    assert.equal(old.flash?.deepReason, 'memory pressure: the host has 700 MiB available, below 1024 MiB');
    assert.ok(Date.parse(old.flash?.deepSince ?? '') > 0);
    assert.equal(h.driver('old').running, undefined, 'its QEMU is gone');
    assert.ok(h.systemLines('old').some((l) => l.startsWith('lttle: deep-suspended (memory pressure: the host has 700 MiB')));

    await pressure.look();
    assert.equal(h.status('new').flash?.deep, true, 'then the next one');
    assert.equal(await pressure.look(), undefined, 'deep-suspend-after 0 is never picked');
    assert.equal(h.status('never').flash?.deep, false);

    // Woken, the app is paused again later, and its deep reason is gone.
    const client = await h.connect('old');
    assert.equal(await h.roundTrip(client, 'SELECT 1'), 'SELECT 1');
    assert.equal(h.status('old').flash?.deepReason, undefined);
  });

  it('deep-suspends apps whose guest RAM is still resident before paged-out ones, the oldest first in each', async () => {
    const done: string[] = [];
    const candidate = (name: string, suspendedAt: number, pagedOut: boolean): PressureCandidate & { name: string } => ({
      name,
      suspendedAt,
      pagedOut,
      deepSuspendNow: async () => (done.push(name), true),
    });
    const all = [candidate('oldest, paged out', 1, true), candidate('newest, resident', 3, false), candidate('older, resident', 2, false)];
    const pressure = new MemoryPressure(
      { belowMiB: 1024, pollMs: 1000 },
      () => all.filter((c) => !done.includes(c.name)),
      () => 512,
    );
    for (let i = 0; i < all.length; i++) await pressure.look();
    assert.deepEqual(done, ['older, resident', 'newest, resident', 'oldest, paged out']);
  });

  it('reads its thresholds from the environment, with defaults, and names a bad one', () => {
    assert.deepEqual(tierSettings({}), { belowMiB: 2048, pollMs: 2000, pageOutAfterS: 10 });
    assert.deepEqual(tierSettings({ LTTLE_DEEP_BELOW_AVAILABLE_MIB: '0', LTTLE_PRESSURE_POLL_MS: '500', LTTLE_PAGE_OUT_AFTER_S: '0' }), {
      belowMiB: 0,
      pollMs: 500,
      pageOutAfterS: 0,
    });
    assert.throws(() => tierSettings({ LTTLE_DEEP_BELOW_AVAILABLE_MIB: 'lots' }), /LTTLE_DEEP_BELOW_AVAILABLE_MIB must be a number of at least 0, got "lots"/);
  });
});
