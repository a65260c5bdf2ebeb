// An app's log: its stdout/stderr lines and the runtime's own lines about it,
// as NDJSON in one file per app (kept across machine replacements), with
// followers for `machine logs --follow`.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LogLine } from '../client/api';

const MAX_BYTES = 8 * 2 ** 20;

export class LogStore extends EventEmitter {
  private readonly partial = new Map<string, string>();

  constructor(private readonly file: string) {
    super();
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  }

  /** Appends raw output; complete lines are stored, a trailing partial line waits for its end. */
  write(stream: string, data: Buffer | string): void {
    const text = (this.partial.get(stream) ?? '') + data.toString();
    const lines = text.split(/\r?\n/);
    this.partial.set(stream, lines.pop() ?? '');
    for (const line of lines) this.line(stream, line);
  }

  /** Stores whatever partial lines are left (the process ended). */
  flush(): void {
    for (const [stream, rest] of this.partial) if (rest) this.line(stream, rest);
    this.partial.clear();
  }

  line(stream: string, line: string): void {
    const entry: LogLine = { time: new Date().toISOString(), stream, line };
    const json = JSON.stringify(entry) + '\n';
    try {
      if (fs.statSync(this.file).size + json.length > MAX_BYTES) fs.renameSync(this.file, `${this.file}.1`);
    } catch {
      // no file yet
    }
    fs.appendFileSync(this.file, json, { mode: 0o600 });
    this.emit('line', entry);
  }

  /** The last `tail` lines (all when undefined). */
  read(tail?: number): LogLine[] {
    const lines: LogLine[] = [];
    for (const file of [`${this.file}.1`, this.file]) {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      for (const raw of text.split('\n')) if (raw) lines.push(JSON.parse(raw) as LogLine);
    }
    return tail === undefined ? lines : lines.slice(Math.max(0, lines.length - tail));
  }

  remove(): void {
    fs.rmSync(this.file, { force: true });
    fs.rmSync(`${this.file}.1`, { force: true });
  }
}
