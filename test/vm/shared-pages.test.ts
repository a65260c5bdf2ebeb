// Identical memory pages of deep-suspended apps of one image are kept once on
// disk, and a fork's memory file is copy-on-write, where the filesystem can
// share blocks (XFS with reflink, made here in a loop-mounted image). Every
// committed row survives the sharing, later writes on either side, and SIGKILL
// of lttled; a write to a shared page never shows in another app.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AppStatus } from '../../schema/src/types';
import { hostPort, psql, type PsqlTarget } from '../support/psql';
import { TestRuntime, volumeYaml, waitForExit } from '../support/runtime';
import { deepSuspendingSeedApp } from '../support/seed';
import { deployInitialisedSeedVolume } from '../support/seed-volume';
import { until } from '../support/until';
import { XfsMount } from '../support/xfs-mount';
import { sharedBytes } from '../support/fiemap';
import { dedupeHelper } from '../../runtime/src/vm/shared-pages';
import { run } from '../../runtime/src/util/process';

const NS = 'shared';
const MiB = 2 ** 20;
const names = ['pg0', 'pg1'];
/** Two seed apps have about 38 MiB of identical non-zero pages (make bench); a third of it must show. */
const SHARED_AT_LEAST = 12 * MiB;

describe('lttle-dedupe (runtime/host/dedupe.c)', () => {
  const PAGE = 4096;
  let xfs: XfsMount;
  before(() => (xfs = new XfsMount('lttle-dedupe-', 1)));
  after(() => xfs?.dispose());
  const pages = Array.from({ length: 300 }, () => crypto.randomBytes(PAGE));
  const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

  it('shares the pages of a file identical to pages of the base, wherever they lie, and changes no byte of either', async () => {
    const base = path.join(xfs.dir, 'base');
    const file = path.join(xfs.dir, 'memory');
    fs.writeFileSync(base, Buffer.concat([...pages, Buffer.alloc(50 * PAGE)]));
    fs.truncateSync(base, 64 * 2 ** 20);
    // 100 base pages in reverse order, 100 of its own, a hole, then 50 base pages in order.
    const own = Buffer.concat(Array.from({ length: 100 }, () => crypto.randomBytes(PAGE)));
    fs.writeFileSync(file, Buffer.concat([...pages.slice(100, 200).reverse(), own]));
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.concat(pages.slice(0, 50)), 0, 50 * PAGE, 1000 * PAGE);
    fs.closeSync(fd);
    const [baseSha, fileSha] = [sha(base), sha(file)];
    const { stdout } = await run(dedupeHelper(), [base, file]);
    assert.deepEqual(JSON.parse(stdout), { dataBytes: 250 * PAGE, sharedBytes: 150 * PAGE });
    assert.deepEqual([sha(base), sha(file)], [baseSha, fileSha]);
    // A write to a shared page is copied first: the other file keeps its bytes.
    const w = fs.openSync(base, 'r+');
    fs.writeSync(w, crypto.randomBytes(PAGE), 0, PAGE, 150 * PAGE);
    fs.closeSync(w);
    assert.equal(sha(file), fileSha);
  });

  it('exits 4 naming why on a filesystem that cannot share blocks', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-dedupe-ext4-'));
    try {
      for (const f of ['base', 'memory']) fs.writeFileSync(path.join(dir, f), pages[0]);
      const r = await run(dedupeHelper(), [path.join(dir, 'base'), path.join(dir, 'memory')], { allowFail: true });
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /the filesystem cannot share blocks between files/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('shared memory pages and copy-on-write memory (XFS)', function () {
  this.timeout(1_800_000);
  let xfs: XfsMount;
  let rt: TestRuntime;
  let daemon: ChildProcess;
  const targets: Record<string, PsqlTarget> = {};

  const status = async (name: string): Promise<AppStatus> => (await rt.client.getApp(NS, name))!;
  const logsOf = async (name: string) => (await rt.cli(['machine', 'logs', '--ns', NS, name])).stdout;
  const memoryFile = (name: string) => path.join(rt.home, 'machines', NS, name, 'memory');
  const allocated = (file: string) => fs.statSync(file).blocks * 512;
  const deep = (name: string, timeoutMs = 120_000) =>
    until(
      `${name} deep-suspended`,
      async () => {
        const s = await status(name);
        return s.state === 'suspended' && s.flash?.deep ? s : undefined;
      },
      timeoutMs,
    );
  const lastLine = async (name: string, pattern: RegExp) =>
    (await logsOf(name))
      .split('\n')
      .filter((l) => pattern.test(l))
      .pop() ?? '';

  before(async () => {
    xfs = new XfsMount('lttle-xfs-');
    rt = new TestRuntime('lttle-shared-', xfs.dir);
    daemon = rt.startDaemon();
    await rt.waitForDaemon();
  });

  after(async () => {
    for (const name of [...names, 'pr']) await rt?.client.deleteApp(NS, name).catch(() => undefined);
    await rt?.dispose();
    xfs?.dispose();
  });

  it("shares the identical pages of two deep-suspended apps' memory files: the filesystem holds them once", async () => {
    const file = rt.writeFile(
      'apps.lttle.yaml',
      names.map((n) => `${volumeYaml(`data-${n}`, '100Mi', NS)}---\n${deepSuspendingSeedApp(n, NS, `data-${n}`)}`).join('---\n'),
    );
    for (const name of names) await deployInitialisedSeedVolume(rt, NS, `data-${name}`);
    const res = await rt.cli(['deploy', file]);
    assert.equal(res.code, 0, res.stderr);
    for (const name of names) targets[name] = hostPort((await deep(name, 900_000)).services[0].hostAddress);
    // The first becomes the image's base; the second (or a later deep suspend of either) shares with it.
    await Promise.all(names.map((n, i) => psql(targets[n], `create table t (n int); insert into t select generate_series(1, ${1000 + i})`)));
    for (const name of names) await deep(name);
    const sharing = await Promise.all(names.map((n) => lastLine(n, /memory pages shared on disk with the image's base|kept as its image's base/)));
    const shared = sharing.map((l) => Number(/shared on disk with the image's base: ([\d.]+) of/.exec(l)?.[1] ?? 0) * MiB);
    assert.ok(Math.max(...shared) >= SHARED_AT_LEAST, `a deep snapshot shares at least ${SHARED_AT_LEAST / MiB} MiB: ${sharing.join(' / ')}`);
    const sharer = names[shared.indexOf(Math.max(...shared))];
    const get = (await rt.cli(['app', 'get', '--ns', NS, sharer])).stdout;
    assert.match(get, /^\s+snapshot on disk: [\d.]+ MiB \([\d.]+ MiB of it kept once with the image's other apps\)$/m);
    const bases = fs.readdirSync(path.join(rt.home, 'memory-bases')).filter((f) => f.endsWith('.mem'));
    assert.equal(bases.length, 1, 'one base for the one image');
    // The filesystem's own word: extents of the memory files that are held once for several files.
    const sharedOnDisk = names.map((n) => sharedBytes(memoryFile(n)));
    assert.ok(Math.min(...sharedOnDisk) >= SHARED_AT_LEAST, `shared extents: ${sharedOnDisk.map((b) => (b / MiB).toFixed(1)).join(' and ')} MiB`);
  });

  it('keeps every row through wakes, writes on one side, a new deep suspend and SIGKILL of lttled', async () => {
    assert.deepEqual(await Promise.all(names.map((n) => psql(targets[n], 'select count(*) from t'))), ['1000', '1001']);
    // pg0 writes to pages that were shared; pg1 must not see it, and pg1's next deep suspend shares again.
    await psql(targets.pg0, 'insert into t select generate_series(1, 500)');
    for (const name of names) await deep(name);
    daemon.kill('SIGKILL');
    await waitForExit(daemon.pid!);
    daemon = rt.startDaemon();
    await rt.waitForDaemon();
    assert.deepEqual(await Promise.all(names.map((n) => psql(targets[n], 'select count(*) from t'))), ['1500', '1001']);
    for (const name of names) assert.doesNotMatch(await logsOf(name), /cold boot instead of restoring/, `${name} restored its snapshot`);
  });

  it("forks with the memory file copied on write: the filesystem grows by the branch's writes, not its memory", async () => {
    await deep('pg1');
    const before = xfs.usedBytes();
    const res = await rt.cli(['app', 'fork', '--ns', NS, 'pg1', '--to', 'pr']);
    assert.equal(res.code, 0, res.stderr);
    const grown = xfs.usedBytes() - before;
    assert.ok(allocated(memoryFile('pr')) > 32 * MiB, 'the branch has a full memory file');
    assert.ok(grown < 4 * MiB, `the fork took ${(grown / MiB).toFixed(2)} MiB of disk`);
    const fork = hostPort((await status('pr')).services[0].hostAddress);
    assert.equal(await psql(fork, 'select count(*) from t'), '1001');
    await psql(fork, 'insert into t values (-1)');
    // A write to a shared page copies that page, not a 128 KiB run around it (XFS's default).
    assert.match(execFileSync('xfs_io', ['-r', '-c', 'cowextsize', memoryFile('pr')], { encoding: 'utf8' }), /^\[4096\]/);
    // Running, the branch unshares whole page-cache folios it writes to; its deep suspend shares them again.
    // The source stays deep meanwhile: a source that runs changes the pages the branch would share.
    await deep('pr');
    const own = allocated(memoryFile('pr')) - sharedBytes(memoryFile('pr'));
    assert.ok(own < 12 * MiB, `the deep-suspended branch's memory file holds ${(own / MiB).toFixed(1)} MiB of its own`);
    assert.match(await lastLine('pr', /memory pages shared/), /with its fork source's: [\d.]+ MiB/);
    assert.equal(await psql(targets.pg1, 'select count(*) from t'), '1001', "the branch's write stays in the branch");
  });
});
