// Codec for the host <-> guest control channel (runtime/guest/PROTOCOL.md):
// frames (type u8, channel u32 BE, length u32 BE, payload) and "records"
// payloads (key=value strings, each NUL-terminated).

/** Message types, both directions. */
export const MsgType = {
  // host -> guest
  CONFIG: 0x01,
  CLOCK: 0x02,
  SHUTDOWN: 0x03,
  PING: 0x04,
  VOLUME_GROW: 0x05,
  VOLUME_USAGE: 0x06,
  SERVICES: 0x07,
  RECLAIM: 0x08,
  EXEC_START: 0x10,
  EXEC_STDIN: 0x11,
  EXEC_EOF: 0x12,
  EXEC_RESIZE: 0x13,
  EXEC_SIGNAL: 0x14,
  EXEC_CREDIT: 0x15,
  // guest -> host
  STARTED: 0x81,
  LOG: 0x82,
  EXITED: 0x83,
  FLASH: 0x84,
  LOCKS: 0x85,
  AGENT_LOG: 0x86,
  CLOCK_SET: 0x87,
  PONG: 0x88,
  VOLUME_GROWN: 0x89,
  VOLUME_USAGE_REPLY: 0x8a,
  RECLAIMED: 0x8b,
  EXEC_STDOUT: 0x90,
  EXEC_STDERR: 0x91,
  EXEC_EXIT: 0x92,
  EXEC_STDIN_CREDIT: 0x93,
} as const;

export type MsgTypeName = keyof typeof MsgType;

/** Channel of the machine itself; exec sessions use 1.. */
export const MACHINE_CHANNEL = 0;
/** LOG frames: channel 1 is the app's stdout, 2 its stderr. */
export const LOG_STDOUT = 1;
export const LOG_STDERR = 2;

export const FRAME_HEADER_SIZE = 9;
export const MAX_PAYLOAD = 1024 * 1024;
/** Stdin the host may send a session before the agent grants more (EXEC_STDIN_CREDIT). */
export const INITIAL_STDIN_CREDIT = 256 * 1024;

export interface Frame {
  type: number;
  channel: number;
  payload: Buffer;
}

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

const typeNames = new Map<number, MsgTypeName>((Object.keys(MsgType) as MsgTypeName[]).map((k) => [MsgType[k], k]));

/** "EXITED", or "0x7f" for a type the protocol does not define. */
export function typeName(type: number): string {
  return typeNames.get(type) ?? `0x${type.toString(16).padStart(2, '0')}`;
}

export function encodeFrame(type: number, channel: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  if (!Number.isInteger(type) || type < 0 || type > 0xff) {
    throw new ProtocolError(`frame type out of range: ${type}`);
  }
  if (!Number.isInteger(channel) || channel < 0 || channel > 0xffffffff) {
    throw new ProtocolError(`channel out of range: ${channel}`);
  }
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  if (body.length > MAX_PAYLOAD) {
    throw new ProtocolError(`payload of ${body.length} bytes exceeds ${MAX_PAYLOAD}`);
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + body.length);
  frame.writeUInt8(type, 0);
  frame.writeUInt32BE(channel, 1);
  frame.writeUInt32BE(body.length, 5);
  body.copy(frame, FRAME_HEADER_SIZE);
  return frame;
}

/**
 * Streaming decoder: feed it chunks as they arrive (a frame may be split
 * across chunks, a chunk may hold many frames); it returns complete frames.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private size = 0;

  /** Bytes received that do not form a complete frame yet. */
  get buffered(): number {
    return this.size;
  }

  push(chunk: Buffer): Frame[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
    const frames: Frame[] = [];
    if (this.size < FRAME_HEADER_SIZE) return frames;
    let data = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
    let off = 0;
    while (data.length - off >= FRAME_HEADER_SIZE) {
      const length = data.readUInt32BE(off + 5);
      if (length > MAX_PAYLOAD) {
        this.reset();
        throw new ProtocolError(`frame length ${length} exceeds ${MAX_PAYLOAD}`);
      }
      if (data.length - off < FRAME_HEADER_SIZE + length) break;
      frames.push({
        type: data.readUInt8(off),
        channel: data.readUInt32BE(off + 1),
        // a copy, so the caller may keep it without pinning the whole chunk
        payload: Buffer.from(data.subarray(off + FRAME_HEADER_SIZE, off + FRAME_HEADER_SIZE + length)),
      });
      off += FRAME_HEADER_SIZE + length;
    }
    data = data.subarray(off);
    this.chunks = data.length ? [data] : [];
    this.size = data.length;
    return frames;
  }

  /** Drop a partial frame (e.g. when the connection is re-established). */
  reset(): void {
    this.chunks = [];
    this.size = 0;
  }
}

export type RecordEntry = readonly [key: string, value: string];

/** key=value\0 ... ; keys may repeat and their order is kept. */
export function encodeRecords(records: Iterable<RecordEntry>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of records) {
    if (key.length === 0 || key.includes('=') || key.includes('\0')) {
      throw new ProtocolError(`invalid record key: ${JSON.stringify(key)}`);
    }
    if (value.includes('\0')) {
      throw new ProtocolError(`record ${key} has a NUL byte in its value`);
    }
    parts.push(Buffer.from(`${key}=${value}\0`, 'utf8'));
  }
  return Buffer.concat(parts);
}

export function decodeRecords(payload: Buffer): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let start = 0;
  while (start < payload.length) {
    let end = payload.indexOf(0, start);
    if (end < 0) end = payload.length; // tolerate a missing final terminator
    const text = payload.toString('utf8', start, end);
    start = end + 1;
    if (text.length === 0) continue;
    const eq = text.indexOf('=');
    if (eq <= 0) throw new ProtocolError(`record without key=value: ${JSON.stringify(text)}`);
    out.push([text.slice(0, eq), text.slice(eq + 1)]);
  }
  return out;
}

/** EXITED / EXEC_EXIT text: "exit CODE", "signal N" or "error MESSAGE". */
export type ExitStatus = { kind: 'exit'; code: number } | { kind: 'signal'; signal: number } | { kind: 'error'; message: string };

export function parseExitStatus(text: string): ExitStatus {
  const m = /^(exit|signal) (\d+)$/.exec(text);
  if (m) {
    return m[1] === 'exit' ? { kind: 'exit', code: Number(m[2]) } : { kind: 'signal', signal: Number(m[2]) };
  }
  if (text.startsWith('error ')) return { kind: 'error', message: text.slice(6) };
  throw new ProtocolError(`bad exit status: ${JSON.stringify(text)}`);
}

/** Wall clock for CLOCK / CONFIG clock=: decimal nanoseconds since the epoch. */
export function clockPayload(nowMs: number = Date.now()): string {
  return (BigInt(Math.round(nowMs * 1000)) * 1000n).toString();
}

/**
 * VOLUME_GROW payload: grow the ext4 filesystem of a mounted volume to the
 * size of its disk, after the host has grown the disk (file + QMP block_resize).
 * The volume is named by its serial (`vol0`) or its mount path (`/data`);
 * with `diskBytes` the agent first waits for the guest kernel to see that size.
 */
export function volumeGrowPayload(volume: string, diskBytes?: number): Buffer {
  const records: RecordEntry[] = [[volume.startsWith('/') ? 'path' : 'volume', volume]];
  if (diskBytes !== undefined) records.push(['size', String(diskBytes)]);
  return encodeRecords(records);
}

/** VOLUME_GROWN: the filesystem's new size, or why it could not grow. */
export interface VolumeGrown {
  /** The serial and the mount path, as far as the guest knows them. */
  volume?: string;
  path?: string;
  /** Block count × block size after the resize. */
  sizeBytes?: number;
  error?: string;
}

export function parseVolumeGrown(payload: Buffer): VolumeGrown {
  const out: VolumeGrown = {};
  for (const [key, value] of decodeRecords(payload)) {
    if (key === 'volume') out.volume = value;
    else if (key === 'path') out.path = value;
    else if (key === 'size') out.sizeBytes = Number(value);
    else if (key === 'error') out.error = value;
  }
  return out;
}

/** One volume of VOLUME_USAGE_REPLY: statfs of its filesystem, as `df` shows it. */
export interface VolumeUsage {
  volume: string;
  path: string;
  /** Size (data blocks, without the filesystem's own metadata). */
  totalBytes: number;
  usedBytes: number;
  /** Free, including blocks reserved for root. */
  freeBytes: number;
  /** Free for unprivileged users (df's "Avail"). */
  availableBytes: number;
}

type UsageCount = 'totalBytes' | 'usedBytes' | 'freeBytes' | 'availableBytes';
const usageCounts: Record<string, UsageCount> = {
  total: 'totalBytes',
  used: 'usedBytes',
  free: 'freeBytes',
  avail: 'availableBytes',
};

/** VOLUME_USAGE_REPLY: records, each volume starting with its `volume=` record. */
export function parseVolumeUsage(payload: Buffer): VolumeUsage[] {
  const out: VolumeUsage[] = [];
  for (const [key, value] of decodeRecords(payload)) {
    if (key === 'volume') {
      out.push({ volume: value, path: '', totalBytes: 0, usedBytes: 0, freeBytes: 0, availableBytes: 0 });
      continue;
    }
    const current = out[out.length - 1];
    if (!current) continue;
    if (key === 'path') current.path = value;
    else if (usageCounts[key]) current[usageCounts[key]] = Number(value);
    // other keys: fields a newer agent may add
  }
  return out;
}

/** SERVICES payload: the internal services the guest may reach, `service=HOST:PORT` each (the whole list). */
export function servicesPayload(services: Iterable<{ host: string; port: number }>): Buffer {
  return encodeRecords([...services].map((s): RecordEntry => ['service', `${s.host}:${s.port}`]));
}

/** RECLAIMED: what the guest did with its memory (PROTOCOL.md). */
export interface Reclaimed {
  /** A virtio_balloon device is bound: free page reporting runs. */
  balloon: boolean;
  /** Clean caches were dropped. */
  dropped: boolean;
  /** The guest's free memory afterwards. */
  freeBytes: number;
}

export function parseReclaimed(payload: Buffer): Reclaimed {
  const records = new Map(decodeRecords(payload));
  return { balloon: records.get('balloon') === '1', dropped: records.get('dropped') === '1', freeBytes: Number(records.get('free') ?? 0) };
}
