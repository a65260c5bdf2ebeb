// The paged-out tier, with the fake machine: a suspended app's guest RAM is
// paged out after the daemon's delay while its QEMU stays; `app get` says so
// and since when; a connection wakes it as from any pause; a machine that
// cannot be paged out stays suspended with its RAM and says why.
import * as assert from 'node:assert/strict';
import { Harness, TIMING } from '../app/testing/lifecycle-harness';

describe('paged-out tier (fake machine)', () => {
  let h: Harness;
  beforeEach(async () => (h = await Harness.create(undefined, { ...TIMING, pageOutAfterMs: 50 })));
  afterEach(async () => {
    await h.close();
    h.remove();
  });

  async function suspendedApp(name: string, deepAfter = 600): Promise<void> {
    await h.deploy(Harness.flashSpec(name, { 'deep-suspend-after': deepAfter }));
    await h.state(name, 'booting');
    h.driver(name).ready();
    await h.state(name, 'suspended');
  }

  it('pages a suspended app out after the delay, keeping its QEMU; a connection wakes it', async () => {
    await suspendedApp('pg');
    const paged = await h.until('pg', 'paged out', (s) => s.flash?.pagedOutSince !== undefined);
    assert.equal(paged.state, 'suspended');
    assert.deepEqual(paged.flash?.pagedOut, { residentBeforeBytes: 2 ** 20, residentAfterBytes: 0 });
    assert.equal(paged.flash?.deep, false, 'not deep: its QEMU stays');
    assert.ok(h.driver('pg').running, 'the paused machine is still there');
    assert.ok(h.systemLines('pg').some((l) => /^lttle: paged out \(suspended for 0\.05 s\): guest RAM resident 1\.0 → 0\.0 MiB/.test(l)));

    const client = await h.connect('pg');
    assert.equal(await h.roundTrip(client, 'SELECT 1'), 'SELECT 1');
    const woken = h.status('pg');
    assert.equal(woken.flash?.pagedOutSince, undefined);
    assert.equal(woken.flash?.resumes?.memory?.count, 1, 'a wake from paged out is a resume of the paused QEMU');
    assert.ok(h.systemLines('pg').some((l) => l.startsWith('lttle: resumed (connection, paged out)')));
    assert.equal(h.driver('pg').calls.restore, 0);
  });

  it('a machine that cannot be paged out stays suspended with its RAM, saying why', async () => {
    h.initDriver = (driver) => (driver.failPageOut = 'lttled may not page out the memory of its machines: process_madvise needs CAP_SYS_NICE');
    await suspendedApp('pg');
    await h.until('pg', 'the page-out tried', () => h.driver('pg').calls.pageOut > 0);
    await h.until('pg', 'the refusal logged', () => h.systemLines('pg').some((l) => l.includes('not paged out')));
    assert.ok(
      h
        .systemLines('pg')
        .includes(
          'lttle: not paged out, the app stays suspended with its RAM resident: lttled may not page out the memory of its machines: process_madvise needs CAP_SYS_NICE',
        ),
    );
    const status = h.status('pg');
    assert.equal(status.state, 'suspended');
    assert.equal(status.flash?.pagedOutSince, undefined);
  });

  it('a paged-out app that goes deep is no longer paged out: its QEMU is gone', async () => {
    await suspendedApp('pg', 1);
    await h.until('pg', 'paged out', (s) => s.flash?.pagedOutSince !== undefined);
    const deep = await h.until('pg', 'deep', (s) => s.flash?.deep === true, 5000);
    assert.equal(deep.flash?.pagedOutSince, undefined);
    assert.equal(deep.flash?.pagedOut, undefined);
    assert.equal(h.driver('pg').running, undefined);
  });
});
