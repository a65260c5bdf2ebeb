import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LogStore, MAX_LINE_BYTES } from './log-store';

describe('LogStore: bounded lines and files', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-logstore-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('splits a 100 MB line without a newline into 64 KiB pieces, holding at most one piece in memory', () => {
    const store = new LogStore(path.join(dir, 'app.log'), 1024 * 2 ** 20);
    const chunk = 'x'.repeat(2 ** 20);
    let pieces = 0;
    store.on('line', () => pieces++);
    for (let i = 0; i < 100; i++) {
      store.write('stdout', chunk);
      // What waits for its end never exceeds one piece.
      assert.ok(Buffer.byteLength((store as unknown as { partial: Map<string, string> }).partial.get('stdout') ?? '') <= MAX_LINE_BYTES);
    }
    store.write('stdout', 'end\n');
    const lines = store.read();
    assert.equal(pieces, lines.length);
    assert.ok(lines.every((l) => Buffer.byteLength(l.line) <= MAX_LINE_BYTES));
    assert.equal(lines.map((l) => l.line).join('').length, 100 * 2 ** 20 + 3, 'nothing lost');
    assert.equal(lines.length, Math.ceil((100 * 2 ** 20 + 3) / MAX_LINE_BYTES));
  });

  it('splits a long complete line and never inside a UTF-8 character', () => {
    const store = new LogStore(path.join(dir, 'app.log'));
    const line = 'é'.repeat(MAX_LINE_BYTES); // 2 bytes each
    store.write('stderr', `${line}\nshort\n`);
    const lines = store.read().map((l) => l.line);
    assert.equal(lines.length, 3);
    assert.ok(
      lines.every((l) => !l.includes('\ufffd')),
      'no torn character',
    );
    assert.equal(lines.slice(0, 2).join(''), line);
    assert.equal(lines[2], 'short');
  });

  it('rotates: the store never holds more than two files of its size', () => {
    const max = 64 * 1024;
    const file = path.join(dir, 'app.log');
    const store = new LogStore(file, max);
    for (let i = 0; i < 5000; i++) store.write('stdout', `line ${i} ${'y'.repeat(100)}\n`);
    assert.ok(fs.statSync(file).size <= max);
    assert.ok(fs.statSync(`${file}.1`).size <= max);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['app.log', 'app.log.1']);
    const lines = store.read();
    assert.match(lines[lines.length - 1].line, /^line 4999 /, 'the newest line is kept');
  });
});
