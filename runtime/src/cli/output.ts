// How the CLI shows things: aligned key/value blocks like lttle's own output,
// JSON or YAML for scripts, progress only on a terminal.
import { stringify } from 'yaml';
import { UsageError } from './args';

export type OutputFormat = 'text' | 'json' | 'yaml';

export function parseFormat(raw: string | undefined): OutputFormat {
  if (raw === undefined || raw === 'text') return 'text';
  if (raw === 'json' || raw === 'yaml') return raw;
  throw new UsageError(`--output must be text, json or yaml, not "${raw}"`);
}

export function render(value: unknown, format: Exclude<OutputFormat, 'text'>): string {
  return format === 'json' ? JSON.stringify(value, null, 2) : stringify(value).trimEnd();
}

/** Right-aligned keys, values after ": "; a value with several lines continues under the first. */
export function keyValues(rows: [string, string | string[]][]): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  const out: string[] = [];
  for (const [key, raw] of rows) {
    const values = Array.isArray(raw) ? raw : [raw];
    const head = `${key.padStart(width)}:`;
    if (!values.length || (values.length === 1 && values[0] === '')) {
      out.push(head);
      continue;
    }
    values.forEach((v, i) => out.push(i === 0 ? `${head} ${v}` : `${' '.repeat(width + 2)}${v}`));
  }
  return out.join('\n');
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** A single status line that rewrites itself on a terminal and stays silent elsewhere. */
export class Progress {
  private last = '';
  private readonly started = Date.now();

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly enabled = Boolean(process.stderr.isTTY),
  ) {}

  update(text: string): void {
    if (!this.enabled || text === this.last) return;
    this.last = text;
    const seconds = ((Date.now() - this.started) / 1000).toFixed(0);
    this.stream.write(`\r\x1b[2K${text} (${seconds}s)`);
  }

  done(): void {
    if (this.enabled && this.last) this.stream.write('\r\x1b[2K');
    this.last = '';
  }
}

/**
 * Every environment value is masked unless asked for: a name says nothing
 * reliable about its value (DATABASE_URL=postgres://u:pw@host/db).
 */
export function maskEnvironment(env: Record<string, string>, reveal: boolean): string[] {
  return Object.keys(env)
    .sort()
    .map((k) => `${k} = ${reveal ? env[k] : '********'}`);
}
