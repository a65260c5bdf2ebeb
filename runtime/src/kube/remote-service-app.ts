// An app of another host as a target of internal service names: a guest here
// connects to <app>-<service>.<namespace>.svc.lttle.local, and the connection
// is relayed over TCP to the service's address on the app's own host, whose
// service proxy wakes the app, queues and tracks the connection as it does for
// any client.
import * as net from 'node:net';
import type { AppSpec } from '../../../schema/src/types';
import type { ServiceApp } from '../proxy/internal-services';

export class RemoteServiceApp implements ServiceApp {
  readonly id: string;

  constructor(
    readonly spec: AppSpec,
    /** host:port of each service on the app's host, by expose key. */
    private readonly addresses: Record<string, string>,
    private readonly log: (line: string) => void,
  ) {
    this.id = `${spec.namespace}/${spec.name}`;
  }

  serveInternal(key: string, socket: net.Socket, client: string): boolean {
    const address = this.addresses[key];
    if (!address) return false;
    const i = address.lastIndexOf(':');
    const upstream = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)), allowHalfOpen: true });
    const fail = (err: Error) => {
      this.log(`internal service ${this.id}/${key} for ${client}: ${address}: ${err.message}`);
      socket.destroy();
      upstream.destroy();
    };
    upstream.once('error', fail);
    socket.once('error', fail);
    upstream.once('connect', () => {
      socket.pipe(upstream);
      upstream.pipe(socket);
      socket.resume();
    });
    return true;
  }

  /** The guests of this host are told by their own apps' controllers; nothing runs here. */
  pushServices(): void {}
}
