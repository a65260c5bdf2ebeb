import assert from 'node:assert/strict';
import {
  FRAME_HEADER_SIZE,
  FrameDecoder,
  MAX_PAYLOAD,
  MsgType,
  ProtocolError,
  clockPayload,
  decodeRecords,
  encodeFrame,
  encodeRecords,
  parseExitStatus,
  servicesPayload,
  parseVolumeGrown,
  parseVolumeUsage,
  typeName,
  volumeGrowPayload,
} from './channel';

describe('vm/channel', () => {
  describe('encodeFrame', () => {
    it('writes type, big-endian channel and length, then the payload', () => {
      const f = encodeFrame(MsgType.EXEC_STDIN, 0x01020304, Buffer.from('hi'));
      assert.deepEqual([...f], [0x11, 1, 2, 3, 4, 0, 0, 0, 2, 0x68, 0x69]);
    });

    it('encodes strings as UTF-8 and allows an empty payload', () => {
      assert.equal(encodeFrame(MsgType.PING, 0, 'é').readUInt32BE(5), 2);
      assert.equal(encodeFrame(MsgType.EXEC_EOF, 7).length, FRAME_HEADER_SIZE);
    });

    it('refuses oversized payloads and out-of-range fields', () => {
      assert.throws(() => encodeFrame(1, 0, Buffer.alloc(MAX_PAYLOAD + 1)), ProtocolError);
      assert.doesNotThrow(() => encodeFrame(1, 0, Buffer.alloc(MAX_PAYLOAD)));
      assert.throws(() => encodeFrame(256, 0), ProtocolError);
      assert.throws(() => encodeFrame(1, -1), ProtocolError);
      assert.throws(() => encodeFrame(1, 2 ** 32), ProtocolError);
    });
  });

  describe('FrameDecoder', () => {
    const frames = [encodeFrame(MsgType.LOG, 1, 'hello\n'), encodeFrame(MsgType.CLOCK_SET, 0), encodeFrame(MsgType.EXEC_STDOUT, 42, Buffer.from([0, 255, 10]))];
    const stream = Buffer.concat(frames);

    it('decodes several frames from one chunk', () => {
      const out = new FrameDecoder().push(stream);
      assert.equal(out.length, 3);
      assert.deepEqual(out[0], { type: MsgType.LOG, channel: 1, payload: Buffer.from('hello\n') });
      assert.deepEqual(out[1], { type: MsgType.CLOCK_SET, channel: 0, payload: Buffer.alloc(0) });
      assert.deepEqual(out[2], { type: MsgType.EXEC_STDOUT, channel: 42, payload: Buffer.from([0, 255, 10]) });
    });

    it('reassembles frames split at every possible point', () => {
      for (let cut = 0; cut <= stream.length; cut++) {
        const d = new FrameDecoder();
        const out = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
        assert.equal(out.length, 3, `cut at ${cut}`);
        assert.equal(d.buffered, 0);
      }
    });

    it('handles one byte at a time', () => {
      const d = new FrameDecoder();
      const out = [];
      for (const b of stream) out.push(...d.push(Buffer.from([b])));
      assert.deepEqual(
        out.map((f) => f.type),
        [MsgType.LOG, MsgType.CLOCK_SET, MsgType.EXEC_STDOUT],
      );
    });

    it('keeps a partial frame buffered until the rest arrives', () => {
      const d = new FrameDecoder();
      assert.deepEqual(d.push(stream.subarray(0, 12)), []);
      assert.equal(d.buffered, 12);
      d.reset();
      assert.equal(d.buffered, 0);
      assert.equal(d.push(frames[1]).length, 1);
    });

    it('returns payloads that do not alias later input', () => {
      const d = new FrameDecoder();
      const chunk = Buffer.from(encodeFrame(MsgType.LOG, 1, 'abc'));
      const [f] = d.push(chunk);
      chunk.fill(0);
      assert.equal(f.payload.toString(), 'abc');
    });

    it('rejects a frame longer than 1 MiB', () => {
      const bad = Buffer.alloc(FRAME_HEADER_SIZE);
      bad.writeUInt32BE(MAX_PAYLOAD + 1, 5);
      const d = new FrameDecoder();
      assert.throws(() => d.push(bad), ProtocolError);
      assert.equal(d.buffered, 0);
    });
  });

  describe('records', () => {
    it('round-trips repeated keys in order, values with "=" and UTF-8', () => {
      const recs: Array<[string, string]> = [
        ['arg', 'sh'],
        ['arg', '-c'],
        ['arg', 'echo a=b'],
        ['env', 'PGDATA=/var/lib/postgresql/data'],
        ['hostname', 'café'],
        ['workdir', ''],
      ];
      const buf = encodeRecords(recs);
      assert.equal(buf[buf.length - 1], 0);
      assert.equal(buf.toString('utf8').split('\0').length - 1, recs.length);
      assert.deepEqual(decodeRecords(buf), recs);
    });

    it('matches the byte layout of PROTOCOL.md', () => {
      assert.equal(
        encodeRecords([
          ['tty', '1'],
          ['arg', 'ls'],
        ]).toString('latin1'),
        'tty=1\0arg=ls\0',
      );
    });

    it('refuses keys with "=" or NUL and values with NUL', () => {
      assert.throws(() => encodeRecords([['a=b', 'c']]), ProtocolError);
      assert.throws(() => encodeRecords([['', 'c']]), ProtocolError);
      assert.throws(() => encodeRecords([['a', 'b\0c']]), ProtocolError);
    });

    it('decodes an empty payload and tolerates a missing last terminator', () => {
      assert.deepEqual(decodeRecords(Buffer.alloc(0)), []);
      assert.deepEqual(decodeRecords(Buffer.from('a=1\0b=2')), [
        ['a', '1'],
        ['b', '2'],
      ]);
      assert.throws(() => decodeRecords(Buffer.from('novalue\0')), ProtocolError);
    });
  });

  describe('helpers', () => {
    it('names message types', () => {
      assert.equal(typeName(MsgType.EXITED), 'EXITED');
      assert.equal(typeName(0x7f), '0x7f');
    });

    it('parses exit statuses', () => {
      assert.deepEqual(parseExitStatus('exit 3'), { kind: 'exit', code: 3 });
      assert.deepEqual(parseExitStatus('signal 9'), { kind: 'signal', signal: 9 });
      assert.deepEqual(parseExitStatus('error exec nope: No such file'), {
        kind: 'error',
        message: 'exec nope: No such file',
      });
      assert.throws(() => parseExitStatus('exited'), ProtocolError);
    });

    it('formats the clock in nanoseconds', () => {
      assert.equal(clockPayload(1700000000123), '1700000000123000000');
    });
  });

  describe('services', () => {
    it('lists the reachable internal services as service=HOST:PORT records (0x07)', () => {
      const payload = servicesPayload([
        { host: 'postgresql-access.samples.svc.lttle.local', port: 5432 },
        { host: 'web-http.samples.svc.lttle.local', port: 80 },
      ]);
      assert.equal(payload.toString('latin1'), 'service=postgresql-access.samples.svc.lttle.local:5432\0service=web-http.samples.svc.lttle.local:80\0');
      assert.equal(servicesPayload([]).length, 0, 'an empty list clears the names');
      assert.equal(typeName(0x07), 'SERVICES');
    });
  });

  describe('volumes', () => {
    it('names the volume to grow by serial or by mount path', () => {
      assert.equal(volumeGrowPayload('vol0').toString('latin1'), 'volume=vol0\0');
      assert.equal(volumeGrowPayload('/var/lib/postgresql/data').toString('latin1'), 'path=/var/lib/postgresql/data\0');
      assert.equal(volumeGrowPayload('vol1', 209715200).toString('latin1'), 'volume=vol1\0size=209715200\0');
      assert.equal(typeName(MsgType.VOLUME_GROW), 'VOLUME_GROW');
      assert.equal(typeName(0x8a), 'VOLUME_USAGE_REPLY');
    });

    it('parses VOLUME_GROWN', () => {
      assert.deepEqual(
        parseVolumeGrown(
          encodeRecords([
            ['volume', 'vol0'],
            ['path', '/data'],
            ['size', '209715200'],
          ]),
        ),
        {
          volume: 'vol0',
          path: '/data',
          sizeBytes: 209715200,
        },
      );
      assert.deepEqual(
        parseVolumeGrown(
          encodeRecords([
            ['volume', 'vol9'],
            ['error', 'no such volume'],
          ]),
        ),
        {
          volume: 'vol9',
          error: 'no such volume',
        },
      );
    });

    it('parses VOLUME_USAGE_REPLY, one entry per volume record', () => {
      const payload = encodeRecords([
        ['volume', 'vol0'],
        ['path', '/a'],
        ['total', '1000'],
        ['used', '400'],
        ['free', '600'],
        ['avail', '550'],
        ['volume', 'vol1'],
        ['path', '/b'],
        ['total', '10'],
        ['used', '0'],
        ['free', '10'],
        ['avail', '10'],
        ['later', 'x'],
      ]);
      assert.deepEqual(parseVolumeUsage(payload), [
        { volume: 'vol0', path: '/a', totalBytes: 1000, usedBytes: 400, freeBytes: 600, availableBytes: 550 },
        { volume: 'vol1', path: '/b', totalBytes: 10, usedBytes: 0, freeBytes: 10, availableBytes: 10 },
      ]);
      assert.deepEqual(parseVolumeUsage(Buffer.alloc(0)), []);
    });
  });
});
