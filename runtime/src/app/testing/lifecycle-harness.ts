// One runtime for a lifecycle test: a real AppManager, AppState and StateStore
// on a temporary $LTTLE_HOME, the fake machine driver, and an echo server on
// 127.0.0.1 standing in for the guest's services, reached through the app's
// real service listeners. Waits are real but short (see TIMING).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { normaliseApp } from '../../../../schema/src/normalize';
import type { AppSpec, AppStatus } from '../../../../schema/src/types';
import { StateStore } from '../../state/store';
import type { AppController } from '../app-controller';
import type { LifecycleTiming } from '../app-deps';
import { AppManager } from '../app-manager';
import type { AppRecord } from '../app-state';
import { fakeMachines, type FakeMachineDriver } from './fake-machine';

export const TIMING: LifecycleTiming = { bootDeadlineMs: 60_000, restartBackoffMs: 50, suspendRetryMs: 100, pageOutAfterMs: 0, guestClockWaitMs: 300 };
/** The flash idle timeout of test specs, in seconds. */
export const FLASH_TIMEOUT = 0.3;

export class Harness {
  readonly manager: AppManager;
  readonly drivers: Map<string, FakeMachineDriver>;
  /** The daemon log. */
  readonly log: string[] = [];
  /** Sets up each new driver before its first boot (e.g. a boot that waits for a volume). */
  initDriver: (driver: FakeMachineDriver) => void = () => undefined;
  private readonly clients = new Set<net.Socket>();

  private constructor(
    readonly home: string,
    private readonly echo: { server: net.Server; sockets: Set<net.Socket>; answersClose: boolean },
    readonly servicePort: number,
    private readonly timing: Partial<LifecycleTiming>,
  ) {
    const machines = fakeMachines(servicePort, (driver) => this.initDriver(driver));
    this.drivers = machines.drivers;
    this.manager = new AppManager({
      home,
      volume: () => undefined,
      store: new StateStore<AppRecord>(home, 'apps'),
      log: (line) => this.log.push(line),
      machines: machines.factory,
      timing,
    });
  }

  /** Harnesses created and not closed yet: a test may replace the one it was given. */
  private static readonly open = new Set<Harness>();

  /** A fresh harness for each test of the calling `describe`; every harness the test made is closed and removed after it. */
  static forEachTest(use: (harness: Harness) => void): void {
    beforeEach(async () => use(await Harness.create()));
    afterEach(async () => {
      for (const harness of [...Harness.open]) {
        await harness.close();
        harness.remove();
      }
    });
  }

  static async create(home?: string, timing: Partial<LifecycleTiming> = TIMING, servicePort = 0): Promise<Harness> {
    const sockets = new Set<net.Socket>();
    const echo = { answersClose: true };
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.pipe(socket, { end: echo.answersClose });
    });
    await new Promise<void>((resolve) => server.listen(servicePort, '127.0.0.1', resolve));
    const dir = home ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-life-'));
    const harness = new Harness(dir, Object.assign(echo, { server, sockets }), (server.address() as net.AddressInfo).port, timing);
    Harness.open.add(harness);
    return harness;
  }

  /**
   * Another daemon on the same home (after this one stopped): the same records, new
   * drivers. The guest's services keep their port: a restored snapshot forwards to it.
   */
  restart(): Promise<Harness> {
    return Harness.create(this.home, this.timing, this.servicePort);
  }

  /** A flash-mode app (timeout FLASH_TIMEOUT, no deep suspend unless given) with one service `db`. */
  static flashSpec(name: string, flash: { 'deep-suspend-after'?: number } = {}, extra: Record<string, unknown> = {}): AppSpec {
    const spec = Harness.spec(name, { mode: { flash: { timeout: 1, 'deep-suspend-after': 0 } }, ...extra });
    // The schema wants whole seconds; the runtime takes fractions, which keeps the tests short.
    if (spec.mode !== 'regular') spec.mode.flash = { ...spec.mode.flash, timeout: FLASH_TIMEOUT, ...flash };
    return spec;
  }

  static spec(name: string, extra: Record<string, unknown> = {}): AppSpec {
    const n = normaliseApp({ name, namespace: 'test', image: 'postgres:17-flash', expose: { db: { port: 5432 } }, ...extra });
    if (!n.ok) throw new Error(JSON.stringify(n.issues));
    return n.spec;
  }

  async deploy(spec: AppSpec): Promise<AppController> {
    await this.manager.apply(spec, false);
    return this.app(spec.name);
  }

  app(name: string): AppController {
    const app = this.manager.get('test', name);
    assert.ok(app, `app ${name} exists`);
    return app;
  }

  driver(name: string): FakeMachineDriver {
    const driver = this.drivers.get(`test/${name}`);
    assert.ok(driver, `app ${name} has a machine driver`);
    return driver;
  }

  status(name: string): AppStatus {
    return this.app(name).status();
  }

  /** Waits until the app's status satisfies `ok` (polled), failing with the last status. */
  async until(name: string, what: string, ok: (s: AppStatus) => boolean, ms = 3000): Promise<AppStatus> {
    const deadline = Date.now() + ms;
    for (;;) {
      const status = this.manager.get('test', name)?.status();
      if (status && ok(status)) return status;
      if (Date.now() > deadline) assert.fail(`app ${name}: ${what} within ${ms} ms; now ${JSON.stringify(status?.state)} ${status?.message ?? ''}`);
      await sleep(10);
    }
  }

  state(name: string, state: AppStatus['state'], ms?: number): Promise<AppStatus> {
    return this.until(name, `state ${state}`, (s) => s.state === state, ms);
  }

  /** The runtime's own lines in the app's log. */
  systemLines(name: string): string[] {
    return this.app(name)
      .logs.read()
      .filter((l) => l.stream === 'system')
      .map((l) => l.line);
  }

  /** A client of the app's service on its host port; resolves once connected. */
  /** The guest's services close a connection when its client does (a paused guest never does). */
  set guestAnswersClose(answers: boolean) {
    this.echo.answersClose = answers;
  }

  async connect(name: string): Promise<net.Socket> {
    const port = Number(this.status(name).services[0].hostAddress.split(':')[1]);
    const socket = net.connect(port, '127.0.0.1');
    this.clients.add(socket);
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    return socket;
  }

  /** Sends `text` and resolves with what came back (the echo, once the machine runs). */
  roundTrip(socket: net.Socket, text: string): Promise<string> {
    return new Promise((resolve) => {
      let got = '';
      const onData = (chunk: Buffer) => {
        got += chunk.toString();
        if (got.length >= text.length) {
          socket.off('data', onData);
          resolve(got);
        }
      };
      socket.on('data', onData);
      socket.write(text);
    });
  }

  /** Stops the runtime as lttled does on SIGTERM, and frees the test's sockets. */
  async close(): Promise<void> {
    Harness.open.delete(this);
    for (const socket of this.clients) socket.destroy();
    await this.manager.stopAll();
    for (const socket of this.echo.sockets) socket.destroy();
    await new Promise((resolve) => this.echo.server.close(resolve));
  }

  remove(): void {
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
