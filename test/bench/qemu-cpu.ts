// Where a wake's CPU goes inside QEMU, read from /proc: the vCPU thread's time
// in user space (TCG translating the guest's code and running it) and in the
// host kernel (page faults on the memory file), the process's page faults,
// and every other thread. A deep wake is read over the new QEMU's whole life
// (start, restore, first query); a ready query as the difference around it.
import * as fs from 'node:fs';
import { percentile, type BenchRow } from './report';

export interface QemuCpu {
  vcpuUserMs: number;
  vcpuKernelMs: number;
  otherMs: number;
  minorFaults: number;
  majorFaults: number;
}

const KEYS = ['vcpuUserMs', 'vcpuKernelMs', 'otherMs', 'minorFaults', 'majorFaults'] as const;

/** The fields of a stat line after the name (field 3 on), which may hold spaces. */
function statFields(file: string): string[] {
  const line = fs.readFileSync(file, 'utf8');
  return line.slice(line.lastIndexOf(')') + 2).split(' ');
}

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

/** QEMU names its vCPU threads "CPU n/TCG" when started with `-name ...,debug-threads=on`. */
export function qemuCpu(pid: number): QemuCpu {
  const cpu: QemuCpu = { vcpuUserMs: 0, vcpuKernelMs: 0, otherMs: 0, minorFaults: 0, majorFaults: 0 };
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    // utime and stime: fields 14 and 15.
    const fields = statFields(`/proc/${pid}/task/${tid}/stat`);
    const [user, kernel] = [Number(fields[11]) * TICK_MS, Number(fields[12]) * TICK_MS];
    if (fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').startsWith('CPU ')) {
      cpu.vcpuUserMs += user;
      cpu.vcpuKernelMs += kernel;
    } else cpu.otherMs += user + kernel;
  }
  // minflt and majflt: fields 10 and 12 of the process's stat line.
  const fields = statFields(`/proc/${pid}/stat`);
  cpu.minorFaults = Number(fields[7]);
  cpu.majorFaults = Number(fields[9]);
  return cpu;
}

export function cpuDelta(before: QemuCpu, after: QemuCpu): QemuCpu {
  return Object.fromEntries(KEYS.map((k) => [k, after[k] - before[k]])) as Record<keyof QemuCpu, number>;
}

/** Each figure's p50 over the samples. */
function medians(samples: QemuCpu[]): QemuCpu {
  return Object.fromEntries(
    KEYS.map((k) => [
      k,
      percentile(
        samples.map((s) => s[k]),
        50,
      ),
    ]),
  ) as Record<keyof QemuCpu, number>;
}

function describe(m: QemuCpu): string {
  return (
    `vCPU ${m.vcpuUserMs.toFixed(0)} ms in QEMU (translating and running the guest's code) + ${m.vcpuKernelMs.toFixed(0)} ms in the host kernel ` +
    `(${m.minorFaults.toFixed(0)} minor, ${m.majorFaults.toFixed(0)} major page faults); other threads ${m.otherMs.toFixed(0)} ms`
  );
}

/**
 * Rows for the deep wake and the ready query. The vCPU's user time beyond a ready
 * run is what a new QEMU spends translating the guest's code again (and refilling
 * its TLB): set against what the 2x target leaves for it, one ready query's time.
 */
export function qemuCpuRows(deepSamples: QemuCpu[], readySamples: QemuCpu[], readyQueryMs: number): BenchRow[] {
  const [deep, ready] = [medians(deepSamples), medians(readySamples)];
  const translation = deep.vcpuUserMs - ready.vcpuUserMs;
  return [
    { name: '    QEMU CPU, wake from deep (start to first answer, p50)', text: describe(deep), values: { ...deep } },
    { name: '    QEMU CPU, the same query on the ready machine (p50)', text: describe(ready), values: { ...ready } },
    {
      name: "    vCPU time in QEMU beyond the ready run's",
      text:
        `${translation.toFixed(0)} ms, against ${readyQueryMs.toFixed(0)} ms that a 2x target leaves beside the ready query ` +
        `(${(translation / readyQueryMs).toFixed(2)}x of it): translating the guest's code again, refilling the TLB, the guest's catch-up after the wake`,
      values: { translationMs: translation, budgetMs: readyQueryMs },
    },
  ];
}
