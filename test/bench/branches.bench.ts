// `make bench`, branching part: a fork of a suspended seed app to its first
// answered query, beside what a user does today (a new app, then pg_dump piped
// into it) measured in the same run; the disk a fresh branch takes; and
// LTTLE_BENCH_BRANCHES (default 50) forks of one parent, all queried.
// Reports; asserts only that every fork answers with the parent's rows. The home
// is on XFS with reflink (a loop-mounted image), where a branch's memory file is
// copied on write; LTTLE_BENCH_FS=host runs it on the host's filesystem.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../schema/src/paths';
import type { AppStatus } from '../../schema/src/types';
import { hostPort, psql, type PsqlTarget } from '../support/psql';
import { TestRuntime, volumeYaml } from '../support/runtime';
import { deepSuspendingSeedApp, documentsYaml, seedDocuments } from '../support/seed';
import { deployInitialisedSeedVolume } from '../support/seed-volume';
import { storedVolume } from '../support/volume-chain';
import { changedPages, filesUnder } from './page-sharing';
import { extents, unionBytes } from '../support/fiemap';
import { percentile, report, type BenchRow } from './report';
import { XfsMount } from '../support/xfs-mount';

const BRANCHES = Number(process.env.LTTLE_BENCH_BRANCHES ?? process.env.LTTLE_BENCH_APPS ?? 50);
const NS = 'branches';
const ROWS = 100_000;
const MiB = 2 ** 20;

const ms = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e6;
const allocatedMiB = (file: string) => (fs.statSync(file).blocks * 512) / MiB;

/**
 * pg_dump of the parent's database, run in its machine (the host's pg_dump may be older
 * than the server), piped into psql of the new app: how a user copies a database today.
 */
function dumpInto(rt: TestRuntime, from: string, to: PsqlTarget): Promise<void> {
  return new Promise((resolve, reject) => {
    const dumpArgs = ['machine', 'exec', '--ns', NS, from, 'env', 'PGPASSWORD=password', 'pg_dump', '-h', '127.0.0.1', '-U', 'user', '-d', 'db'];
    const dump = spawn(path.join(packageRoot(), 'bin', 'lttle'), dumpArgs, { env: rt.env, stdio: ['ignore', 'pipe', 'inherit'] });
    const load = spawn('psql', ['-h', to.host, '-p', String(to.port), '-U', 'user', '-d', 'db', '-q'], {
      env: { ...process.env, PGPASSWORD: 'password' },
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    dump.stdout.pipe(load.stdin);
    load.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited ${code}`))));
  });
}

async function main(): Promise<void> {
  const xfs = process.env.LTTLE_BENCH_FS === 'host' ? undefined : new XfsMount('lttle-bench-xfs-', 64);
  const rt = new TestRuntime('lttle-bench-branches-', xfs?.dir);
  /** What the home takes on disk: blocks shared between files once on XFS (du counts them in each). */
  const homeBytes = () => xfs?.usedBytes() ?? Number(execFileSync('du', ['-s', '-B1', rt.home]).toString().split('\t')[0]);
  const rows: BenchRow[] = [];
  const status = async (name: string): Promise<AppStatus> => (await rt.client.getApp(NS, name))!;
  const target = async (name: string): Promise<PsqlTarget> => hostPort((await status(name)).services[0].hostAddress);
  try {
    await deployInitialisedSeedVolume(rt, NS, 'data');
    // Forks inherit the mode: deep-suspended a second after they go idle, they leave no QEMU behind.
    const parentYaml = deepSuspendingSeedApp('pg', NS, 'data');
    const deployed = await rt.cli(['deploy', rt.writeFile('pg.yaml', parentYaml), '--timeout', '900']);
    if (deployed.code !== 0) throw new Error(deployed.stderr);
    const parent = await target('pg');
    await psql(parent, `create table t as select n, md5(n::text) as v from generate_series(1, ${ROWS}) n`);
    await rt.client.suspendApp(NS, 'pg');
    // Settled: the parent's deep suspend (slimming, its memory file kept as the image's base) is done before the disk is read.
    await rt.waitForApp(NS, 'pg', { states: ['suspended'], timeoutMs: 60_000 });
    while (!(await status('pg')).flash?.deep) await new Promise((r) => setTimeout(r, 200));

    // The fork, from the API call to the first answered query.
    const homeBeforeFork = homeBytes();
    const firstFork = process.hrtime.bigint();
    await rt.client.forkApp(NS, 'pg', { to: 'b0' });
    const forked = ms(firstFork);
    const answer = await psql(await target('b0'), 'select count(*) from t');
    const forkToAnswer = ms(firstFork);
    if (answer !== String(ROWS)) throw new Error(`fork b0 answered ${answer}`);
    // Disk of a fresh branch at rest: deep-suspended again after its first query (a running
    // branch unshares whole page-cache folios of its memory; its deep suspend shares them again).
    while (!(await status('b0')).flash?.deep) await new Promise((r) => setTimeout(r, 200));
    const branchBytes = homeBytes() - homeBeforeFork;
    // The blocks only the branch holds (FIEMAP: those it shares are counted with their other owners),
    // beside the memory pages its guest changed: what it costs beyond what it writes.
    const b0Dir = path.join(rt.home, 'machines', NS, 'b0');
    const b0Files = [...filesUnder(b0Dir), storedVolume(rt.home, NS, 'b0-data').file];
    const everyFile = filesUnder(rt.home);
    // Each file's extents read once; the unions below are over subsets of them.
    const extentsOf = new Map(xfs ? everyFile.map((f) => [f, extents(f)] as const) : []);
    const diskOfAllBut = (left: (f: string) => boolean) => unionBytes(everyFile.filter((f) => !left(f)).map((f) => extentsOf.get(f) ?? []));
    const allBytes = diskOfAllBut(() => false);
    const ownBytes = xfs ? allBytes - diskOfAllBut((f) => b0Files.includes(f)) : NaN;
    const ownOf = (file: string) => allBytes - diskOfAllBut((f) => f === file);
    const ownByFile = xfs
      ? b0Files
          .map((f) => [path.relative(rt.home, f).replace(`machines/${NS}/b0/`, ''), ownOf(f)] as const)
          .filter(([, bytes]) => bytes >= 64 * 1024)
          .map(([f, bytes]) => `${f} ${(bytes / MiB).toFixed(2)}`)
          .join(', ')
      : '';
    const changedBytes = changedPages(path.join(rt.home, 'machines', NS, 'pg', 'memory'), path.join(b0Dir, 'memory'));
    rows.push({ name: 'accelerator', text: (await rt.client.health()).accel });
    rows.push({
      name: `fork of a suspended seed app (${ROWS} rows) to its first answered query`,
      text: `${(forkToAnswer / 1000).toFixed(2)} s (fork call ${(forked / 1000).toFixed(2)} s, then psql from deep suspend)`,
      values: { forkToAnswerMs: forkToAnswer, forkCallMs: forked },
    });

    // Today's alternative: a new app on a new volume (initdb), then pg_dump | psql.
    const { app } = seedDocuments();
    Object.assign(app, { name: 'copy', namespace: NS, mode: 'regular', volumes: [{ name: 'copy-data', path: '/var/lib/postgresql/data' }] });
    const copyStarted = process.hrtime.bigint();
    const made = await rt.cli([
      'deploy',
      rt.writeFile('copy.yaml', `${volumeYaml('copy-data', '100Mi', NS)}---\n${documentsYaml({ app })}`),
      '--timeout',
      '900',
    ]);
    if (made.code !== 0) throw new Error(made.stderr);
    const copyReady = ms(copyStarted);
    await dumpInto(rt, 'pg', await target('copy'));
    const copied = ms(copyStarted);
    if ((await psql(await target('copy'), 'select count(*) from t')) !== String(ROWS)) throw new Error('the pg_dump copy lacks rows');
    rows.push({
      name: 'new app + pg_dump | psql of the same database',
      text: `${(copied / 1000).toFixed(2)} s (new app ready ${(copyReady / 1000).toFixed(2)} s, dump and load ${((copied - copyReady) / 1000).toFixed(2)} s); the fork takes ${((forkToAnswer / copied) * 100).toFixed(1)}% of it`,
      values: { totalMs: copied, readyMs: copyReady },
    });
    await rt.client.deleteApp(NS, 'copy');

    const branch = storedVolume(rt.home, NS, 'b0-data');
    const memory = path.join(rt.home, 'machines', NS, 'b0', 'memory');
    const fsType = execFileSync('stat', ['-f', '-c', '%T', rt.home]).toString().trim();
    rows.push({
      name: 'disk of a fresh branch, deep-suspended after its first query (home before and after)',
      text:
        `${(branchBytes / MiB).toFixed(2)} MiB in all; ` +
        (xfs
          ? `blocks only it holds ${(ownBytes / MiB).toFixed(2)} MiB (${ownByFile}), its memory pages it changed ${(changedBytes / MiB).toFixed(2)} MiB; `
          : '') +
        `its volume overlay ${allocatedMiB(branch.file).toFixed(2)} MiB; its memory file ${allocatedMiB(memory).toFixed(1)} MiB of data, ${xfs ? 'shared with the source (reflink, then deduplicated at its deep suspend)' : `copied (${fsType} has no reflink)`}`,
      values: {
        branchMiB: branchBytes / MiB,
        ownMiB: ownBytes / MiB,
        changedMiB: changedBytes / MiB,
        volumeMiB: allocatedMiB(branch.file),
        memoryMiB: allocatedMiB(memory),
      },
    });

    // Many branches of one parent, each queried.
    const names = Array.from({ length: BRANCHES - 1 }, (_, i) => `b${i + 1}`);
    const forkMs: number[] = [];
    for (const name of names) {
      const started = process.hrtime.bigint();
      await rt.client.forkApp(NS, 'pg', { to: name });
      forkMs.push(ms(started));
    }
    const queryMs: number[] = [];
    let answering = 1;
    for (const name of names) {
      const started = process.hrtime.bigint();
      if ((await psql(await target(name), 'select count(*) from t', 300_000)) === String(ROWS)) answering++;
      queryMs.push(ms(started));
    }
    const disk = Math.round(homeBytes() / MiB);
    rows.push({
      name: `${BRANCHES} branches of one parent`,
      text: `${answering}/${BRANCHES} answering with its rows; fork call p50 ${percentile(forkMs, 50).toFixed(0)} ms, first query p50 ${percentile(queryMs, 50).toFixed(0)} ms; home on disk ${disk} MiB`,
      values: { branches: BRANCHES, answering, forkP50: percentile(forkMs, 50), queryP50: percentile(queryMs, 50), homeMiB: disk },
    });
    if (answering !== BRANCHES) throw new Error(`${BRANCHES - answering} branches did not answer with the parent's rows`);
  } finally {
    report('branches', 'lttle benchmarks: branches', rows);
    for (const a of await rt.client.listApps(NS).catch(() => [])) await rt.client.deleteApp(NS, a.spec.name).catch(() => undefined);
    await rt.dispose();
    xfs?.dispose();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
