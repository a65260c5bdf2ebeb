// `make bench`: boot, flash and memory figures of the seed's PostgreSQL,
// measured side by side in one run and printed as a table with ratios.
// Not a test: it asserts nothing, it reports.
import * as fs from 'node:fs';
import * as net from 'node:net';
import { hostPort, psql } from '../support/psql';
import * as path from 'node:path';
import { residentBytes } from '../../runtime/src/vm/page-out';
import { report } from './report';
import { machinePids, TestRuntime, waitForExit } from '../support/runtime';
import { regularMode, SEED_FILE, seedWith } from '../support/seed';

const RUNS = Number(process.env.LTTLE_BENCH_RUNS ?? 50);
/** Wakes from the paged-out tier: each waits for the page-out (LTTLE_PAGE_OUT_AFTER_S, 1 s here). */
const PAGED_OUT_RUNS = Math.min(RUNS, 10);

/** A new TCP connection through the service and PostgreSQL's answer to an SSLRequest: a real server round trip. */
function probe(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const socket = net.connect(port, host, () => socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])));
    socket.once('data', () => {
      socket.destroy();
      resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
    socket.once('error', reject);
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) / 1024;
}

/** QEMU's RSS as its own memory (TCG translation cache, heap, libraries) and its guest RAM (the memory file's mapping). */
function rssSplit(pid: number, memoryFile: string): string {
  const guest = residentBytes(pid, memoryFile) / 2 ** 20;
  return `${(rssMiB(pid) - guest).toFixed(0)} MiB QEMU's own + ${guest.toFixed(0)} MiB guest RAM`;
}

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = Date.now();
  const value = await work();
  return [(Date.now() - started) / 1000, value];
}

async function main(): Promise<void> {
  const rt = new TestRuntime('lttle-bench-');
  rt.env.LTTLE_PAGE_OUT_AFTER_S = '1';
  const rows: [string, string][] = [];
  try {
    let daemon = rt.startDaemon();
    await rt.waitForDaemon();
    const accel = (await rt.client.health()).accel;
    rows.push(['accelerator', accel]);

    // Cold boots, regular mode: deploy until PostgreSQL accepts connections.
    const regular = rt.writeFile('regular.yaml', seedWith(regularMode));
    const [fresh] = await timed(() => rt.cli(['deploy', regular]));
    const app = (await rt.client.getApp('samples', 'postgresql'))!;
    await psql(hostPort(app.services[0].hostAddress), 'select 1');
    const regularPid = machinePids(rt.home)[0];
    const regularRss = rssMiB(regularPid);
    await rt.client.deleteApp('samples', 'postgresql');
    const [existing] = await timed(() => rt.cli(['deploy', regular]));
    await rt.client.deleteApp('samples', 'postgresql');
    rows.push(['cold boot to ready, empty data directory (initdb)', `${fresh.toFixed(1)} s`]);
    rows.push(['cold boot to ready, existing data directory', `${existing.toFixed(1)} s (${(existing / fresh).toFixed(2)}x of the first)`]);
    rows.push(['host memory of a running app (qemu RSS) / configured', `${regularRss.toFixed(0)} MiB / 256 MiB (${(regularRss / 256).toFixed(2)}x)`]);

    // Flash mode: the seed verbatim.
    await rt.cli(['deploy', SEED_FILE]);
    const flash = await rt.waitForApp('samples', 'postgresql', { states: ['suspended'], timeoutMs: 300_000 });
    const { host, port } = hostPort(flash.services[0].hostAddress);
    const qemu = machinePids(rt.home)[0];
    const memoryFile = path.join(rt.home, 'machines', 'samples', 'postgresql', 'memory');

    const ready: number[] = [];
    const suspended: number[] = [];
    const suspendTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await rt.client.resumeApp('samples', 'postgresql');
      ready.push(await probe(host, port));
      const [s] = await timed(() => rt.client.suspendApp('samples', 'postgresql'));
      suspendTimes.push(s * 1000);
      suspended.push(await probe(host, port));
      await rt.client.suspendApp('samples', 'postgresql');
    }
    // Just suspended (the page-out comes a second later).
    const suspendedRss = rssMiB(qemu);
    const suspendedSplit = rssSplit(qemu, memoryFile);
    const p = (v: number[]) => `p50 ${percentile(v, 50).toFixed(1)} ms, p99 ${percentile(v, 99).toFixed(1)} ms`;
    rows.push([`new connection + server round trip, machine ready (${RUNS} runs)`, p(ready)]);
    rows.push([`new connection + server round trip, machine suspended (${RUNS} runs)`, p(suspended)]);
    rows.push([
      'resume penalty (suspended / ready, p50)',
      `${(percentile(suspended, 50) / percentile(ready, 50)).toFixed(2)}x (+${(percentile(suspended, 50) - percentile(ready, 50)).toFixed(1)} ms)`,
    ]);
    rows.push(['time to suspend (pause + snapshot, API round trip)', p(suspendTimes)]);
    rows.push(['host memory of a suspended app (qemu RSS) / configured', `${suspendedRss.toFixed(0)} MiB / 256 MiB (${(suspendedRss / 256).toFixed(2)}x)`]);
    rows.push(['  of which', suspendedSplit]);

    // Paged out: the same paused QEMU once its guest RAM went back to the memory file.
    const pagedOut: number[] = [];
    let pagedSplit = '';
    for (let i = 0; i < PAGED_OUT_RUNS; i++) {
      await rt.client.suspendApp('samples', 'postgresql');
      while ((await rt.client.getApp('samples', 'postgresql'))?.flash?.pagedOutSince === undefined) await new Promise((r) => setTimeout(r, 100));
      pagedSplit = rssSplit(qemu, memoryFile);
      pagedOut.push(await probe(host, port));
    }
    rows.push(['host memory of a paged-out app (qemu RSS)', pagedSplit]);
    rows.push([`new connection + server round trip, paged out (${PAGED_OUT_RUNS} runs)`, p(pagedOut)]);
    rows.push(['paged-out wake penalty (paged out / ready, p50)', `${(percentile(pagedOut, 50) / percentile(ready, 50)).toFixed(2)}x`]);
    await psql({ host, port }, 'select 1'); // warm the host's psql and the server's caches
    const [psqlReady] = await timed(() => psql({ host, port }, 'select 1'));
    await rt.client.suspendApp('samples', 'postgresql');
    const [psqlSuspended] = await timed(() => psql({ host, port }, 'select 1'));
    rows.push([
      'psql "select 1" (process start, auth, query): ready vs suspended',
      `${(psqlReady * 1000).toFixed(0)} ms vs ${(psqlSuspended * 1000).toFixed(0)} ms (${(psqlSuspended / psqlReady).toFixed(2)}x)`,
    ]);

    // A daemon killed with SIGKILL while the app is suspended: to a served query via the snapshot.
    await rt.client.suspendApp('samples', 'postgresql');
    const killedAt = Date.now();
    daemon.kill('SIGKILL');
    await waitForExit(daemon.pid!);
    daemon = rt.startDaemon();
    await rt.waitForDaemon();
    await psql({ host, port }, 'select 1');
    rows.push(['SIGKILL of lttled to a served query (restart + snapshot restore + psql)', `${((Date.now() - killedAt) / 1000).toFixed(2)} s`]);
    const restored = (await rt.client.getApp('samples', 'postgresql'))!;
    rows.push(['resume latency from the persisted snapshot (new qemu)', `${restored.flash?.lastResumeLatencyMs?.toFixed(1)} ms`]);
  } finally {
    await rt.client.deleteApp('samples', 'postgresql').catch(() => undefined);
    await rt.dispose();
  }
  report(
    'flash',
    'lttle benchmarks: flash mode',
    rows.map(([name, text]) => ({ name, text })),
  );
}

main().catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
