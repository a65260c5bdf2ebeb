// An app's log: its stdout/stderr lines and the runtime's own lines about it,
// as NDJSON in one file per app (kept across machine replacements), with
// followers for `machine logs --follow`.
//
// Bounded: a line longer than MAX_LINE_BYTES is stored in pieces (so a guest
// printing 100 MB without a newline costs the daemon at most that much memory),
// and the store keeps at most two files of MAX_FILE_BYTES (the current one and
// one rotated). A full disk drops lines (counted, and noted once space is back)
// instead of failing the machine's event loop.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LogLine } from '../client/api';

/** The longest line kept whole; longer output is split at this size. */
export const MAX_LINE_BYTES = 64 * 1024;
/** One log file's size before it is rotated to `<file>.1` (the previous `.1` is dropped). */
export const MAX_FILE_BYTES = 8 * 2 ** 20;

export class LogStore extends EventEmitter {
  private readonly partial = new Map<string, string>();
  /** Lines that could not be stored (no space), reported once writing works again. */
  private dropped = 0;

  constructor(
    private readonly file: string,
    private readonly maxFileBytes = MAX_FILE_BYTES,
  ) {
    super();
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  }

  /** Appends raw output; complete lines are stored, a trailing partial line waits for its end (up to MAX_LINE_BYTES). */
  write(stream: string, data: Buffer | string): void {
    const text = (this.partial.get(stream) ?? '') + data.toString();
    const lines = text.split(/\r?\n/);
    let rest = lines.pop() ?? '';
    for (const line of lines) this.long(stream, line);
    // A line without its end yet: store full pieces now, keep only the remainder.
    if (rest.length > MAX_LINE_BYTES / 4) {
      const pieces = splitPieces(rest, MAX_LINE_BYTES);
      rest = pieces.pop() ?? '';
      for (const piece of pieces) this.line(stream, piece);
    }
    this.partial.set(stream, rest);
  }

  /** Stores whatever partial lines are left (the process ended). */
  flush(): void {
    for (const [stream, rest] of this.partial) if (rest) this.long(stream, rest);
    this.partial.clear();
  }

  /** A complete line, split into pieces of at most MAX_LINE_BYTES. */
  private long(stream: string, line: string): void {
    for (const piece of splitPieces(line, MAX_LINE_BYTES)) this.line(stream, piece);
  }

  line(stream: string, line: string): void {
    const entry: LogLine = { time: new Date().toISOString(), stream, line };
    if (this.dropped && this.append({ time: entry.time, stream: 'system', line: `${this.dropped} log lines were dropped: no space left for ${this.file}` })) {
      this.dropped = 0;
    }
    if (!this.append(entry)) this.dropped++;
    // Followers see the line even when the disk could not take it.
    this.emit('line', entry);
  }

  /** False when the disk is full (the line is not stored). */
  private append(entry: LogLine): boolean {
    const json = JSON.stringify(entry) + '\n';
    try {
      if (fs.statSync(this.file).size + json.length > this.maxFileBytes) fs.renameSync(this.file, `${this.file}.1`);
    } catch {
      // no file yet
    }
    try {
      fs.appendFileSync(this.file, json, { mode: 0o600 });
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') return false;
      throw err;
    }
  }

  /** The last `tail` lines (all when undefined). */
  read(tail?: number): LogLine[] {
    const lines: LogLine[] = [];
    for (const file of [`${this.file}.1`, this.file]) {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue; // not written (or not rotated) yet
      }
      for (const raw of text.split('\n')) {
        if (!raw) continue;
        try {
          lines.push(JSON.parse(raw) as LogLine);
        } catch {
          // a line torn by a full disk or a crash
        }
      }
    }
    return tail === undefined ? lines : lines.slice(Math.max(0, lines.length - tail));
  }

  remove(): void {
    fs.rmSync(this.file, { force: true });
    fs.rmSync(`${this.file}.1`, { force: true });
  }
}

/**
 * Pieces of at most `bytes` UTF-8 bytes, never split inside a character; the last
 * piece may be shorter (and is the whole text when it fits).
 */
function splitPieces(text: string, bytes: number): string[] {
  if (text.length * 3 <= bytes) return [text];
  const buf = Buffer.from(text);
  const out: string[] = [];
  let start = 0;
  while (buf.length - start > bytes) {
    let end = start + bytes;
    // Back up over UTF-8 continuation bytes (10xxxxxx).
    while (end > start && (buf[end] & 0xc0) === 0x80) end--;
    out.push(buf.subarray(start, end).toString());
    start = end;
  }
  out.push(buf.subarray(start).toString());
  return out;
}
