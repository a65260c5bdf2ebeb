// Internal service names between apps (docs/architecture.md, "Internal services"). Every
// machine has one guestfwd (10.0.2.100:1) whose helper connects, once per guest
// connection, to this machine's unix socket here; so the daemon knows which app
// a connection comes from. The guest agent writes a one-line header naming the
// service (`HOST:PORT`); a service the source's namespace may see is handed to
// the target app's own service proxy (wake, queue, tracking), anything else is
// closed.
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { AppSpec } from '../../../schema/src/types';

/** The guest address and port whose connections QEMU hands to the daemon. */
export const SERVICE_GATEWAY = { address: '10.0.2.100', port: 1 } as const;

/** An internal service as the apps that may reach it see it. */
export interface InternalService {
  /** `<app>-<service>.<namespace>.svc.lttle.local` */
  host: string;
  port: number;
  /** The app serving it and its expose key. */
  app: string;
  key: string;
}

/** An app as a source (it connects) and a target (it serves) of internal connections. */
export interface ServiceApp {
  readonly id: string;
  readonly spec: AppSpec;
  /** Hands a connection to the service's proxy; false when the app has no such service now. */
  serveInternal(key: string, socket: net.Socket, client: string): boolean;
  /** Sends the guest the services it may reach (when its machine runs). */
  pushServices(): void;
}

/** Longest header accepted, and how long a connection may take to send it. */
const HEADER_MAX = 512;
const HEADER_TIMEOUT_MS = 10_000;

export function serviceHost(spec: AppSpec, key: string): string {
  return `${spec.name}-${key}.${spec.namespace}.svc.lttle.local`;
}

/** The internal services of `spec` that apps of `namespace` may reach. */
export function servicesVisible(spec: AppSpec, namespace: string): InternalService[] {
  const out: InternalService[] = [];
  for (const [key, expose] of Object.entries(spec.expose)) {
    if (!expose.internal) continue;
    const others = expose.internal.namespaces ?? [];
    if (spec.namespace !== namespace && !others.includes('*') && !others.includes(namespace)) continue;
    out.push({ host: serviceHost(spec, key), port: expose.internal.port, app: `${spec.namespace}/${spec.name}`, key });
  }
  return out;
}

export class InternalServices {
  /** The unix socket server of each source app, by app id. */
  private readonly servers = new Map<string, net.Server>();

  constructor(
    private readonly apps: () => Iterable<ServiceApp>,
    private readonly log: (line: string) => void,
  ) {}

  /** Everything an app of `namespace` may reach, sorted by name (SERVICES for its agent). */
  visibleTo(namespace: string): InternalService[] {
    return [...this.apps()].flatMap((app) => servicesVisible(app.spec, namespace)).sort((a, b) => a.host.localeCompare(b.host));
  }

  /** Services came or went: every running guest gets its new list. */
  changed(): void {
    for (const app of this.apps()) app.pushServices();
  }

  /** Serves `socketPath` for the connections of app `source`'s guest (once per app; kept across its machines). */
  async listen(source: string, socketPath: string): Promise<void> {
    if (this.servers.has(source)) return;
    fs.rmSync(socketPath, { force: true });
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.accept(source, socket));
    this.servers.set(source, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    fs.chmodSync(socketPath, 0o600);
  }

  close(id: string): void {
    this.servers.get(id)?.close();
    this.servers.delete(id);
  }

  closeAll(): void {
    for (const id of [...this.servers.keys()]) this.close(id);
  }

  private accept(source: string, socket: net.Socket): void {
    // App ids are `namespace/name`; the namespace of an app never changes (a new one replaces it).
    const namespace = source.slice(0, source.indexOf('/'));
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => refuse('no header in time'), HEADER_TIMEOUT_MS);
    const refuse = (why: string) => {
      clearTimeout(timer);
      this.log(`internal connection from app ${source} refused: ${why}`);
      socket.destroy();
    };
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf(0x0a);
      if (end < 0) {
        if (head.length > HEADER_MAX) refuse('header too long');
        return;
      }
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      const wanted = head.subarray(0, end).toString('utf8').trim();
      const rest = head.subarray(end + 1);
      const [target, service] = this.find(namespace, wanted);
      if (!target || !service) return refuse(`${JSON.stringify(wanted.slice(0, 100))} is no internal service namespace ${namespace} may reach`);
      if (rest.length) socket.unshift(rest);
      if (!target.serveInternal(service.key, socket, `${source} (internal)`)) refuse(`${service.host} is not served now`);
    };
    socket.on('error', () => socket.destroy());
    socket.on('close', () => clearTimeout(timer));
    socket.on('data', onData);
    socket.resume();
  }

  /** The app and service named by a header `HOST:PORT`, if `namespace` may reach it. */
  private find(namespace: string, wanted: string): [ServiceApp?, InternalService?] {
    for (const app of this.apps()) {
      const service = servicesVisible(app.spec, namespace).find((s) => `${s.host}:${s.port}` === wanted);
      if (service) return [app, service];
    }
    return [];
  }
}
