// A home on a small, size-limited filesystem (tmpfs with size=), filled to
// ENOSPC: creates, grows and log writes answer a clear 507 naming the home and
// the bytes, reads and deletes keep working, the daemon does not spin, and
// once space is freed everything works again without a restart.
import * as assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InsufficientStorageError, type LttleError } from '../../../schema/src/errors';
import { RuntimeClient } from '../../../runtime/src/client/client';
import { LogStore } from '../../../runtime/src/app/log-store';
import { fsckClean, dumpe2fsBytes } from '../../support/ext4';
import { TestRuntime, waitForExit } from '../../support/runtime';

const MiB = 2 ** 20;

/** Fills the filesystem of `dir` until ENOSPC; returns the filler's path. */
function fill(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(MiB, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  // The last pages too, a byte at a time is not needed: tmpfs is page-granular.
  try {
    for (;;) fs.writeSync(fd, Buffer.alloc(4096, 1));
  } catch {
    // full
  }
  fs.closeSync(fd);
  return filler;
}

/** CPU time (user + system, in clock ticks) of a process so far. */
function cpuTicks(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function rejectsWith507(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: LttleError) => {
    assert.ok(err instanceof InsufficientStorageError, `expected a 507 insufficient_storage error, got ${err.code}: ${err.message}`);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('hostile input: a full disk under the home', function () {
  this.timeout(300_000);
  const rt = new TestRuntime('lttle-full-');
  const small = path.join(rt.home, 'small');
  let daemon: ChildProcess;
  let client: RuntimeClient;
  let filler: string;

  before(async () => {
    fs.mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m,mode=0700', 'tmpfs', small]);
    rt.env.LTTLE_HOME = small;
    daemon = rt.startDaemon();
    await rt.waitForDaemon();
    client = new RuntimeClient({ env: rt.env, autostart: false });
  });

  after(async () => {
    await rt.stopDaemon();
    try {
      execFileSync('umount', [small]);
    } catch {
      execFileSync('umount', ['-l', small]);
    }
    rt.env.LTTLE_HOME = rt.home;
    await rt.dispose();
  });

  it('refuses a volume bigger than the free space with 507 naming the home and the bytes (CLI too)', async () => {
    await client.applyVolume({ name: 'a', size: '8Mi' });
    await rejectsWith507(client.applyVolume({ name: 'huge', size: '200Mi' }), new RegExp(`${small}.*needs ${200 * MiB} bytes`));
    const file = rt.writeFile('huge.yaml', 'volume:\n  name: huge\n  size: 200Mi\n');
    const res = await rt.cli(['deploy', file]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, new RegExp(`no space for volume default/huge in ${small}: needs ${200 * MiB} bytes`));
    assert.ok(!fs.existsSync(path.join(small, 'volumes', 'default', 'huge.ext4')), 'no half-made image');
    assert.equal(await client.getVolume('default', 'huge'), undefined, 'no record');
  });

  it('with the disk full: creates and grows answer 507, the volume is untouched, app records are refused cleanly', async () => {
    filler = fill(small);
    await rejectsWith507(client.applyVolume({ name: 'b', size: '4Mi' }), new RegExp(`${small}.*needs ${4 * MiB} bytes`));
    await rejectsWith507(client.applyVolume({ name: 'a', size: '16Mi' }), new RegExp(`volume default/a in ${small}`));
    const a = path.join(small, 'volumes', 'default', 'a.ext4');
    assert.ok(fsckClean(a), 'the volume passes e2fsck -fn after the refused grow');
    assert.equal(dumpe2fsBytes(a), 8 * MiB);
    assert.equal((await client.getVolume('default', 'a'))!.spec.size, 8 * MiB, 'the record keeps the old size');
    // Writing an app's record needs space too: a 507 naming the state directory, no temp file left.
    await rejectsWith507(
      client.applyApp({ name: 'web', image: 'ghcr.io/lttle-cloud/postgres:17-flash' }),
      new RegExp(`no space left on the filesystem of ${small}`),
    );
    const stateDir = path.join(small, 'state');
    const leftovers = execFileSync('find', [stateDir, '-name', '*.tmp']).toString().trim();
    assert.equal(leftovers, '', 'no temp file left behind');
    assert.equal(await client.getApp('default', 'web'), undefined);
  });

  it('with the disk full: reads and deletes keep working and the daemon does not spin', async () => {
    assert.equal((await client.listVolumes()).length, 1);
    assert.equal((await client.health()).home, small);
    const before = cpuTicks(daemon.pid!);
    await new Promise((r) => setTimeout(r, 2000));
    const used = cpuTicks(daemon.pid!) - before;
    // 2 s at 100 ticks/s: an idle daemon uses a few ticks, a spinning one about 200.
    assert.ok(used < 40, `the idle daemon used ${used} ticks of CPU in 2 s on a full disk`);
    await client.applyVolume({ name: 'c', size: '4Mi' }).catch(() => undefined);
    await client.deleteVolume('default', 'a');
    assert.equal(await client.getVolume('default', 'a'), undefined);
    assert.ok(!fs.existsSync(path.join(small, 'volumes', 'default', 'a.ext4')));
  });

  it('log writes on a full disk drop lines (counted) instead of failing, and resume when space is back', () => {
    const log = new LogStore(path.join(small, 'logs', 'app.log'));
    const seen: string[] = [];
    log.on('line', (l: { line: string }) => seen.push(l.line));
    fill(small);
    for (let i = 0; i < 100; i++) log.write('stdout', `line ${i}\n`);
    assert.equal(seen.length, 100, 'followers still see every line');
    fs.rmSync(path.join(small, 'filler'));
    log.write('stdout', 'after\n');
    const stored = log.read().map((l) => l.line);
    assert.ok(stored.includes('after'));
    assert.ok(
      stored.some((l) => /^\d+ log lines were dropped: no space left for /.test(l)),
      stored.join('\n'),
    );
  });

  it('once space is freed, creates and grows work again without a restart', async () => {
    fs.rmSync(filler, { force: true });
    const pid = (await client.health()).pid;
    assert.equal(pid, daemon.pid, 'the same daemon');
    await client.applyVolume({ name: 'b', size: '8Mi' });
    await client.applyVolume({ name: 'b', size: '16Mi' });
    const b = path.join(small, 'volumes', 'default', 'b.ext4');
    assert.ok(fsckClean(b));
    assert.equal(dumpe2fsBytes(b), 16 * MiB);
    await client.applyApp({ name: 'web', image: 'ghcr.io/nobody/nothing:1' }).catch(() => undefined);
    assert.ok(await client.getApp('default', 'web'), 'app records are written again');
    await client.deleteApp('default', 'web');
    daemon.kill('SIGTERM');
    await waitForExit(daemon.pid!);
  });
});
