// A service's host listener: accepts clients on 127.0.0.1 (and, through
// handle(), other apps' connections to its internal name), asks the app's
// gate to make the machine runnable (resume on connect), then forwards to the
// machine's hostfwd port. Tracks each connection's last traffic for
// traffic-aware connection tracking.
import * as net from 'node:net';

export interface TrackedConnection {
  readonly id: number;
  readonly service: string;
  /** The client's address and port, as `app get` shows what keeps the app awake. */
  readonly client: string;
  /** Milliseconds timestamp of the last byte in either direction. */
  lastActivity: number;
  /** The client closed its sending side: only the machine's answer and close are left. */
  clientClosed?: boolean;
}

export interface ConnectionGate {
  /** A new client: resolves with the machine port to forward to once the machine can serve it. */
  open(conn: TrackedConnection): Promise<number>;
  /** Client bytes arrived; a promise means "hold them until the machine is running again". */
  activity(conn: TrackedConnection): Promise<void> | undefined;
  close(conn: TrackedConnection): void;
}

let nextId = 1;

export class ServiceProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly service: string,
    private readonly host: string,
    private readonly port: number,
    private readonly gate: ConnectionGate,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number> {
    // Half-open: a client that shuts down its sending side still gets the whole answer.
    this.server = net.createServer({ allowHalfOpen: true }, (client) => this.handle(client));
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, this.host, () => resolve((this.server!.address() as net.AddressInfo).port));
    });
  }

  close(): void {
    this.server?.close();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /**
   * Serves one client: a connection to the host listener, or one from another
   * app's guest through its internal service name (`label` says which app).
   */
  handle(client: net.Socket, label = `${client.remoteAddress}:${client.remotePort}`): void {
    const conn: TrackedConnection = { id: nextId++, service: this.service, client: label, lastActivity: Date.now() };
    this.sockets.add(client);
    client.pause();
    let upstream: net.Socket | undefined;
    let closed = false;
    const finish = () => {
      if (closed) return;
      closed = true;
      client.destroy();
      upstream?.destroy();
      this.sockets.delete(client);
      if (upstream) this.sockets.delete(upstream);
      this.gate.close(conn);
    };
    client.on('error', finish);
    client.on('close', finish);
    this.gate.open(conn).then(
      (port) => {
        if (closed) return;
        upstream = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
        this.sockets.add(upstream);
        upstream.setNoDelay(true);
        client.setNoDelay(true);
        upstream.on('error', finish);
        upstream.on('close', finish);
        upstream.on('data', (chunk: Buffer) => {
          conn.lastActivity = Date.now();
          if (!client.write(chunk)) {
            upstream!.pause();
            client.once('drain', () => upstream!.resume());
          }
        });
        client.on('data', (chunk: Buffer) => {
          conn.lastActivity = Date.now();
          const held = this.gate.activity(conn);
          if (!held) return forward(chunk);
          client.pause();
          held.then(() => {
            forward(chunk);
            client.resume();
          }, finish);
        });
        const forward = (chunk: Buffer) => {
          if (!upstream!.write(chunk)) {
            client.pause();
            upstream!.once('drain', () => client.resume());
          }
        };
        client.on('end', () => {
          conn.clientClosed = true;
          upstream?.end();
        });
        upstream.on('end', () => client.end());
        upstream.once('connect', () => client.resume());
      },
      (err: Error) => {
        this.log(`service ${this.service}: refused a connection: ${err.message}`);
        finish();
      },
    );
  }
}

/** A free TCP port on 127.0.0.1 (for hostfwd). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
