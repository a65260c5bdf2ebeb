// `make bench`, density part: LTTLE_BENCH_APPS (default 10) seed apps
// deployed and deep-suspended at once. Host memory per deep-suspended app,
// snapshot disk per app (slimmed: the guest hands memory back first), identical
// pages between two apps, apps per host by memory and by disk (this one and a
// 24 GiB / 500 GB one) and the distance to 10,000, resume from deep suspend
// beside the ordinary resume and a ready machine with where the wake's time
// goes, and a wake storm. Reports, asserts only that every query of the storm succeeds.
// The home is on XFS with reflink (a loop-mounted image, as test/vm/shared-pages
// does), where identical pages are kept once per image; LTTLE_BENCH_FS=host runs
// it on the host's filesystem instead.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AppStatus } from '../../schema/src/types';
import { hostPort, psql, type PsqlTarget } from '../support/psql';
import { machinePids, TestRuntime, volumeYaml } from '../support/runtime';
import { deepSuspendingSeedApp } from '../support/seed';
import { diskOfFiles, identicalPages } from './page-sharing';
import { XfsMount } from '../support/xfs-mount';
import { percentile, report, type BenchRow } from './report';
import { cpuDelta, qemuCpu, qemuCpuRows, type QemuCpu } from './qemu-cpu';
import { wakeBreakdown } from './wake-breakdown';

const APPS = Number(process.env.LTTLE_BENCH_APPS ?? 10);
const ROUNDS = Number(process.env.LTTLE_BENCH_DEEP_ROUNDS ?? 3);
const NS = 'bench';
const names = Array.from({ length: APPS }, (_, i) => `pg${i}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * MemTotal - MemAvailable: what the host cannot give back. Clean caches are
 * dropped first (root): the memory files' pages, and the XFS image's cached
 * twice by its loop device, would otherwise count as whatever the kernel guesses.
 */
function hostUsedMiB(): number {
  execFileSync('sync');
  fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
  const info = fs.readFileSync('/proc/meminfo', 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(info)![1]);
  return (kb('MemTotal') - kb('MemAvailable')) / 1024;
}

/**
 * Read once it has settled (two readings 5 s apart within 2 MiB, at most a minute):
 * right after ten QEMUs exited the host showed ~35 MiB per app more in use, in no
 * /proc/meminfo field, given back within 20 s.
 */
async function settledHostUsedMiB(): Promise<number> {
  let last = hostUsedMiB();
  for (let i = 0; i < 12; i++) {
    await sleep(5000);
    const now = hostUsedMiB();
    if (Math.abs(now - last) < 2) return now;
    last = now;
  }
  return last;
}

function rssMiB(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

function appMachinePid(home: string, name: string): number {
  const pid = machinePids(home).find((p) => fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`/machines/${NS}/${name}/`));
  if (pid === undefined) throw new Error(`no qemu process for ${name}`);
  return pid;
}

async function timedMs<T>(work: () => Promise<T>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main(): Promise<void> {
  const xfs = process.env.LTTLE_BENCH_FS === 'host' ? undefined : new XfsMount('lttle-bench-xfs-', 64);
  const rt = new TestRuntime('lttle-bench-deep-', xfs?.dir);
  const rows: BenchRow[] = [];
  const p = (v: number[]) => `p50 ${percentile(v, 50).toFixed(1)} ms, p99 ${percentile(v, 99).toFixed(1)} ms`;
  const status = async (name: string): Promise<AppStatus> => (await rt.client.getApp(NS, name))!;
  const waitDeep = async (name: string, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await status(name);
      if (s.state === 'suspended' && s.flash?.deep) return s;
      if (s.state === 'error' || Date.now() > deadline) throw new Error(`${name} not deep-suspended (${s.state}: ${s.message ?? ''})`);
      await sleep(100);
    }
  };
  try {
    const daemon = rt.startDaemon();
    await rt.waitForDaemon();
    const accel = (await rt.client.health()).accel;
    const usedBefore = await settledHostUsedMiB();
    const daemonBefore = rssMiB(daemon.pid!);

    const file = rt.writeFile(
      'bench.yaml',
      names.map((n) => `${volumeYaml(`data-${n}`, '100Mi', NS)}---\n${deepSuspendingSeedApp(n, NS, `data-${n}`)}`).join('---\n'),
    );
    const deployed = Date.now();
    await rt.cli(['deploy', file]);
    const targets: Record<string, PsqlTarget> = {};
    for (const name of names) targets[name] = hostPort((await waitDeep(name, 1_800_000)).services[0].hostAddress);
    const deployS = (Date.now() - deployed) / 1000;
    const usedAfter = await settledHostUsedMiB();
    const daemonAfter = rssMiB(daemon.pid!);
    const perApp = Math.max(0, usedAfter - usedBefore) / APPS;
    const daemonPerApp = Math.max(0, daemonAfter - daemonBefore) / APPS;
    const snapshotBytes = await Promise.all(names.map(async (n) => (await status(n)).flash?.snapshotBytes ?? 0));
    const diskPerAppMiB = snapshotBytes.reduce((a, b) => a + b, 0) / APPS / 2 ** 20;
    // The host's own free disk (the XFS image is a file on it).
    const hostFs = fs.statfsSync(xfs ? os.tmpdir() : rt.home);
    const freeMiB = (hostFs.bavail * hostFs.bsize) / 2 ** 20;
    const qemuLeft = machinePids(rt.home).length;
    rows.push({ name: 'accelerator', text: accel, values: { accel } });
    rows.push({
      name: `apps deployed and deep-suspended at once`,
      text: `${APPS} (in ${deployS.toFixed(0)} s; qemu processes left: ${qemuLeft})`,
      values: { apps: APPS, qemuLeft },
    });
    rows.push({
      name: 'host memory of a deep-suspended app',
      text: `${perApp.toFixed(2)} MiB (host used memory delta / apps, clean caches dropped; daemon RSS ${daemonPerApp.toFixed(2)} MiB per app; configured 256 MiB)`,
      values: { hostMiB: perApp, daemonRssMiB: daemonPerApp },
    });
    rows.push({
      name: 'snapshot disk per app, each on its own (memory file blocks + device state)',
      text: `${diskPerAppMiB.toFixed(1)} MiB (${(diskPerAppMiB / 256).toFixed(2)}x of the 256 MiB configured): what it takes where nothing is shared`,
      values: { diskMiB: diskPerAppMiB },
    });
    if (APPS >= 2) {
      const memory = (n: string) => path.join(rt.home, 'machines', NS, n, 'memory');
      const shared = identicalPages(memory(names[0]), memory(names[1]));
      const mib = (b: number) => (b / 2 ** 20).toFixed(1);
      rows.push({
        name: "identical 4 KiB pages between two apps' memory files",
        text: `${mib(shared.identicalBytes)} of ${mib(shared.bytes)} MiB non-zero (${((100 * shared.identicalBytes) / Math.max(1, shared.bytes)).toFixed(0)}%): one shared copy per image would save that much disk per app`,
        values: { identicalMiB: shared.identicalBytes / 2 ** 20, nonZeroMiB: shared.bytes / 2 ** 20 },
      });
    }
    // One app at a time: psql "select 1" (new connection) from deep suspend, then ready, then from the ordinary suspend.
    const deep: number[] = [];
    const ready: number[] = [];
    const memory: number[] = [];
    const restoreMs: number[] = [];
    const deepCpu: QemuCpu[] = [];
    const readyCpu: QemuCpu[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of names) {
        await waitDeep(name);
        deep.push(await timedMs(() => psql(targets[name], 'select 1')));
        restoreMs.push((await status(name)).flash?.resumes?.deep?.lastLatencyMs ?? NaN);
        const pid = appMachinePid(rt.home, name);
        deepCpu.push(qemuCpu(pid));
        const readyBefore = qemuCpu(pid);
        ready.push(await timedMs(() => psql(targets[name], 'select 1')));
        readyCpu.push(cpuDelta(readyBefore, qemuCpu(pid)));
        await rt.client.suspendApp(NS, name);
        memory.push(await timedMs(() => psql(targets[name], 'select 1')));
      }
    }
    const n = deep.length;
    rows.push({
      name: `wake from deep suspend inside lttled (restore + cont + guest clock, ${n} runs)`,
      text: p(restoreMs),
      values: { p50: percentile(restoreMs, 50), p99: percentile(restoreMs, 99) },
    });
    rows.push({
      name: `resume from deep suspend: psql new connection + select 1 (${n} runs)`,
      text: p(deep),
      values: { p50: percentile(deep, 50), p99: percentile(deep, 99) },
    });
    rows.push({
      name: `ordinary resume (paused qemu): psql new connection + select 1`,
      text: p(memory),
      values: { p50: percentile(memory, 50), p99: percentile(memory, 99) },
    });
    rows.push({ name: `ready machine: psql new connection + select 1`, text: p(ready), values: { p50: percentile(ready, 50), p99: percentile(ready, 99) } });
    rows.push(...wakeBreakdown(await Promise.all(names.map(async (n) => (await rt.cli(['machine', 'logs', '--ns', NS, n])).stdout))));
    rows.push(...qemuCpuRows(deepCpu, readyCpu, percentile(ready, 50)));
    rows.push({
      name: 'deep / ordinary / ready (p50)',
      text: `${(percentile(deep, 50) / percentile(ready, 50)).toFixed(2)}x / ${(percentile(memory, 50) / percentile(ready, 50)).toFixed(2)}x / 1x`,
    });

    // Wake storm: every app deep-suspended, then woken at once by one connection each.
    for (const name of names) await waitDeep(name);
    const storm = await Promise.allSettled(names.map((name) => timedMs(() => psql(targets[name], 'select 1', 300_000))));
    const ok = storm.filter((r): r is PromiseFulfilledResult<number> => r.status === 'fulfilled').map((r) => r.value);
    rows.push({
      name: `wake storm: ${APPS} deep-suspended apps woken at once`,
      text: `${ok.length}/${APPS} queries succeeded; ${ok.length ? p(ok) : 'none'}`,
      values: { succeeded: ok.length, p50: ok.length ? percentile(ok, 50) : NaN, p99: ok.length ? percentile(ok, 99) : NaN },
    });
    if (ok.length !== APPS) throw new Error(`wake storm: ${APPS - ok.length} queries failed`);
    // After the rounds every app has been deep-suspended with the image's base in place.
    for (const name of names) await waitDeep(name);
    const machineFiles = names.flatMap((n) => ['memory', 'snapshot.state', 'snapshot.meta'].map((f) => path.join(rt.home, 'machines', NS, n, f)));
    const bases = path.join(rt.home, 'memory-bases');
    const baseFiles = fs.existsSync(bases) ? fs.readdirSync(bases).map((f) => path.join(bases, f)) : [];
    const MiBytes = 2 ** 20;
    // The image's base is paid once per image, as its rootfs is: an app costs the blocks it does not share with it.
    const baseMiB = xfs ? diskOfFiles(baseFiles) / MiBytes : 0;
    const allMiB = xfs ? diskOfFiles([...machineFiles, ...baseFiles]) / MiBytes : diskPerAppMiB * APPS;
    const sharedPerAppMiB = (allMiB - baseMiB) / APPS;
    if (xfs)
      rows.push({
        name: 'snapshot disk per app, identical pages kept once per image (XFS)',
        text:
          `${sharedPerAppMiB.toFixed(1)} MiB per app beyond its image's base (${baseMiB.toFixed(1)} MiB once per image), ` +
          `${(allMiB / APPS).toFixed(1)} MiB per app with the base shared by these ${APPS}; blocks counted once (FIEMAP); ${(sharedPerAppMiB / diskPerAppMiB).toFixed(2)}x of each on its own`,
        values: { diskMiB: sharedPerAppMiB, baseMiB, withBaseMiB: allMiB / APPS },
      });
    // A floor of 1 MiB per app keeps the projection honest when the delta is lost in the noise of a shared host.
    const memFloor = Math.max(perApp, daemonPerApp, 1);
    const totalMiB = Number(/^MemTotal:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))![1]) / 1024;
    const byMemory = (mib: number) => Math.floor(mib / memFloor);
    const byDisk = (mib: number) => Math.floor((mib - baseMiB) / sharedPerAppMiB);
    rows.push({
      name: 'deep-suspended apps per host (projected)',
      text:
        `this host: ${byMemory(totalMiB)} by memory, ${byDisk(freeMiB)} by free disk (${(freeMiB / 1024).toFixed(0)} GiB); ` +
        `24 GiB / 500 GB host: ${byMemory(24 * 1024)} by memory, ${byDisk(500 * 1024)} by disk`,
      values: { thisByMemory: byMemory(totalMiB), thisByDisk: byDisk(freeMiB), refByMemory: byMemory(24 * 1024), refByDisk: byDisk(500 * 1024) },
    });
    const limit = Math.min(byMemory(24 * 1024), byDisk(500 * 1024));
    rows.push({
      name: 'distance to 10,000 seed apps on a 24 GiB / 500 GB host',
      text: `${limit} fit (${((100 * limit) / 10_000).toFixed(1)}%); 10,000 needs at most ${((500 * 1024 - baseMiB) / 10_000).toFixed(1)} MiB of disk per app beside the base (now ${sharedPerAppMiB.toFixed(1)})`,
      values: { fit: limit, diskBudgetMiB: (500 * 1024 - baseMiB) / 10_000 },
    });
  } finally {
    for (const name of names) await rt.client.deleteApp(NS, name).catch(() => undefined);
    report('deep-suspend', 'lttle benchmarks: deep suspend', rows);
    await rt.dispose();
    fs.rmSync(path.join(rt.home), { recursive: true, force: true });
    xfs?.dispose();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
