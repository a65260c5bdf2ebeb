// A QMP client: QEMU's JSON protocol on a unix socket. One command at a time
// is all QMP allows per connection; commands are queued in order.
import { EventEmitter } from 'node:events';
import * as net from 'node:net';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    description: string,
  ) {
    super(`QMP ${command}: ${errorClass}: ${description}`);
  }
}

interface Pending {
  command: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export class QmpClient extends EventEmitter {
  private buffer = '';
  private readonly pending: Pending[] = [];
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    super();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('close', () => {
      this.closed = true;
      for (const p of this.pending.splice(0)) p.reject(new Error(`QMP connection closed during ${p.command}`));
      this.emit('close');
    });
    socket.on('error', () => undefined); // 'close' follows and rejects what is pending
  }

  /** Connects (retrying while QEMU creates the socket), reads the greeting and enters command mode. */
  static async connect(socketPath: string, timeoutMs = 10_000): Promise<QmpClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(socketPath);
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        const client = new QmpClient(socket);
        await client.greeting();
        await client.execute('qmp_capabilities');
        return client;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`cannot connect to QMP at ${socketPath}: ${(err as Error).message}`);
        // Short: a restore from deep suspend waits on this before the first byte is served.
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }

  private greeting(): Promise<unknown> {
    return new Promise((resolve, reject) => this.pending.push({ command: 'greeting', resolve, reject }));
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      const message = JSON.parse(line) as { QMP?: unknown; return?: unknown; error?: { class: string; desc: string }; event?: string };
      if (message.event) {
        this.emit('event', message);
        continue;
      }
      const waiting = this.pending.shift();
      if (!waiting) continue;
      if (message.error) waiting.reject(new QmpError(waiting.command, message.error.class, message.error.desc));
      else waiting.resolve(message.QMP ?? message.return);
    }
  }

  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`QMP connection closed; cannot run ${command}`));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ command, resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + '\n');
    });
  }

  /** Resolves with the first event of that name (optionally matching a predicate). */
  waitForEvent(name: string, timeoutMs: number, predicate: (e: QmpEvent) => boolean = () => true): Promise<QmpEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('event', listener);
        reject(new Error(`no QMP ${name} event within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (e: QmpEvent) => {
        if (e.event !== name || !predicate(e)) return;
        clearTimeout(timer);
        this.off('event', listener);
        resolve(e);
      };
      this.on('event', listener);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
