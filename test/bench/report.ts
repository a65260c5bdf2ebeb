// The benchmarks' output: a table on stdout and the same rows, with their
// numbers, merged into build/bench/latest.json (one section per bench) so
// runs can be compared.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../schema/src/paths';

export interface BenchRow {
  name: string;
  text: string;
  /** The figures behind the text, by name (ms, MiB, counts). */
  values?: Record<string, number | string>;
}

export function report(section: string, title: string, rows: BenchRow[]): void {
  const width = Math.max(...rows.map((r) => r.name.length));
  const cpu = execFileSync('nproc').toString().trim();
  process.stdout.write(`\n${title} (${cpu} cores, one run)\n\n`);
  for (const r of rows) process.stdout.write(`  ${r.name.padEnd(width)}  ${r.text}\n`);
  process.stdout.write('\n');
  const file = path.join(packageRoot(), 'build', 'bench', 'latest.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // first bench of the run
  }
  all[section] = { at: new Date().toISOString(), cores: Number(cpu), rows };
  fs.writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
