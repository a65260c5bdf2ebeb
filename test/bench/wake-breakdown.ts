// Where a wake from deep suspend spends its time, read from the apps' logs:
// the restore's line (qemu start to QMP, control channel, device state) and
// the resume's (restore, cont, clock), each part as p50 over every wake.
import { percentile, type BenchRow } from './report';

const PARTS: [name: string, pattern: RegExp][] = [
  ['qemu process start until QMP answers', /restored the machine from its persisted snapshot \(qemu start to QMP ([\d.]+) ms/],
  ['guest control channel connected', /restored the machine.*control channel ([\d.]+) ms/],
  ['device state loaded (migrate-incoming)', /restored the machine.*device state ([\d.]+) ms/],
  ['restore in all (incl. image and volume checks)', /from deep suspend\) in [\d.]+ ms \(restore ([\d.]+) ms/],
  ['cont', /from deep suspend\).*cont ([\d.]+) ms/],
  ['guest clock set (first answer of the guest)', /from deep suspend\).*clock ([\d.]+) ms/],
];

export function wakeBreakdown(logs: string[]): BenchRow[] {
  const lines = logs.flatMap((l) => l.split('\n'));
  return PARTS.map(([name, pattern]) => {
    const values = lines
      .map((l) => pattern.exec(l)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number);
    const p50 = values.length ? percentile(values, 50) : NaN;
    return { name: `  wake from deep: ${name}`, text: values.length ? `p50 ${p50.toFixed(1)} ms (${values.length} wakes)` : 'not seen', values: { p50 } };
  });
}
