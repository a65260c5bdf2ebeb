// The host side of an app's services: one listening proxy per exposed service,
// open while the app exists (machine running or not), on a host port that stays
// the same for the app's life (kept in the record).
import type { Socket } from 'node:net';
import type { AppSpec, ServiceStatus } from '../../../schema/src/types';
import { ServiceProxy, type ConnectionGate } from './service-proxy';
import type { AppState } from '../app/app-state';
import { serviceHost } from './internal-services';

/** The services of `app get`: internal name and host address of each. */
export function serviceStatus(spec: AppSpec, hostPorts: Record<string, number>): ServiceStatus[] {
  return Object.entries(spec.expose).map(([key, expose]) => ({
    name: key,
    address: `tcp://${serviceHost(spec, key)}:${expose.internal?.port ?? expose.port}`,
    hostAddress: `${expose.external?.host ?? '127.0.0.1'}:${hostPorts[key] ?? 0}`,
    targetPort: expose.port,
  }));
}

export class ServiceListeners {
  private readonly proxies = new Map<string, ServiceProxy>();

  constructor(
    private readonly app: AppState,
    private readonly gate: ConnectionGate,
    private readonly log: (line: string) => void,
  ) {}

  /** Listens for every service of the spec and closes the listeners of removed ones. */
  async sync(): Promise<void> {
    const spec = this.app.spec;
    const hostPorts = { ...this.app.record.hostPorts };
    for (const [key, proxy] of this.proxies) {
      if (!(key in spec.expose)) {
        proxy.close();
        this.proxies.delete(key);
        delete hostPorts[key];
      }
    }
    // The ports taken so far are kept even when a later service cannot listen.
    try {
      for (const [key, expose] of Object.entries(spec.expose)) {
        if (this.proxies.has(key)) continue;
        const host = expose.external?.host ?? '127.0.0.1';
        const fixed = expose.external?.port;
        let proxy = new ServiceProxy(key, host, fixed ?? hostPorts[key] ?? 0, this.gate, this.log);
        let port: number;
        try {
          port = await proxy.listen();
        } catch (err) {
          if (fixed !== undefined) throw new Error(`cannot listen on ${host}:${fixed} for service ${key}: ${(err as Error).message}`);
          // The remembered port was taken while the daemon was away: take a new one.
          proxy = new ServiceProxy(key, host, 0, this.gate, this.log);
          port = await proxy.listen();
        }
        this.proxies.set(key, proxy);
        hostPorts[key] = port;
      }
    } finally {
      this.app.setHostPorts(hostPorts);
    }
  }

  /** Serves a connection from another app's guest like one to the host listener; false without such a service. */
  serve(key: string, socket: Socket, client: string): boolean {
    const proxy = this.proxies.get(key);
    proxy?.handle(socket, client);
    return Boolean(proxy);
  }

  close(): void {
    for (const proxy of this.proxies.values()) proxy.close();
    this.proxies.clear();
  }
}
