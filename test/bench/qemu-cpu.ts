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

/** utime and stime, fields 14 and 15 of a stat line, in ms; the name in field 2 may hold spaces. */
function times(statLine: string): { user: number; kernel: number; fields: string[] } {
  const fields = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  return { user: Number(fields[11]) * tick, kernel: Number(fields[12]) * tick, fields };
}

/** QEMU names its vCPU threads "CPU n/TCG" when started with `-name ...,debug-threads=on`. */
export function qemuCpu(pid: number): QemuCpu {
  const cpu: QemuCpu = { vcpuUserMs: 0, vcpuKernelMs: 0, otherMs: 0, minorFaults: 0, majorFaults: 0 };
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    const comm = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8');
    const t = times(fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
    if (comm.startsWith('CPU ')) {
      cpu.vcpuUserMs += t.user;
      cpu.vcpuKernelMs += t.kernel;
    } else cpu.otherMs += t.user + t.kernel;
  }
  // minflt and majflt: fields 10 and 12 of the process's stat line.
  const { fields } = times(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  cpu.minorFaults = Number(fields[7]);
  cpu.majorFaults = Number(fields[9]);
  return cpu;
}

export function cpuDelta(before: QemuCpu, after: QemuCpu): QemuCpu {
  return {
    vcpuUserMs: after.vcpuUserMs - before.vcpuUserMs,
    vcpuKernelMs: after.vcpuKernelMs - before.vcpuKernelMs,
    otherMs: after.otherMs - before.otherMs,
    minorFaults: after.minorFaults - before.minorFaults,
    majorFaults: after.majorFaults - before.majorFaults,
  };
}

function p50(samples: QemuCpu[], key: keyof QemuCpu): number {
  return percentile(
    samples.map((s) => s[key]),
    50,
  );
}

function describe(samples: QemuCpu[]): string {
  const [user, kernel, other] = [p50(samples, 'vcpuUserMs'), p50(samples, 'vcpuKernelMs'), p50(samples, 'otherMs')];
  return (
    `vCPU ${user.toFixed(0)} ms in QEMU (translating and running the guest's code) + ${kernel.toFixed(0)} ms in the host kernel ` +
    `(${p50(samples, 'minorFaults').toFixed(0)} minor, ${p50(samples, 'majorFaults').toFixed(0)} major page faults); other threads ${other.toFixed(0)} ms`
  );
}

/**
 * Rows for the deep wake and the ready query. The vCPU's user time beyond a ready
 * run is what a new QEMU spends translating the guest's code again (and refilling
 * its TLB): set against what the 2x target leaves for it, one ready query's time.
 */
export function qemuCpuRows(deep: QemuCpu[], ready: QemuCpu[], readyQueryMs: number): BenchRow[] {
  const values = (samples: QemuCpu[]) => ({
    vcpuUserMs: p50(samples, 'vcpuUserMs'),
    vcpuKernelMs: p50(samples, 'vcpuKernelMs'),
    otherMs: p50(samples, 'otherMs'),
    minorFaults: p50(samples, 'minorFaults'),
    majorFaults: p50(samples, 'majorFaults'),
  });
  const translation = p50(deep, 'vcpuUserMs') - p50(ready, 'vcpuUserMs');
  return [
    { name: '    QEMU CPU, wake from deep (start to first answer, p50)', text: describe(deep), values: values(deep) },
    { name: '    QEMU CPU, the same query on the ready machine (p50)', text: describe(ready), values: values(ready) },
    {
      name: "    vCPU time in QEMU beyond the ready run's",
      text:
        `${translation.toFixed(0)} ms, against ${readyQueryMs.toFixed(0)} ms that a 2x target leaves beside the ready query ` +
        `(${(translation / readyQueryMs).toFixed(2)}x of it): translating the guest's code again, refilling the TLB, the guest's catch-up after the wake`,
      values: { translationMs: translation, budgetMs: readyQueryMs },
    },
  ];
}
