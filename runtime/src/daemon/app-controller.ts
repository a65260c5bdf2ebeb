// One app's life: image → volumes → machine → ready, restarts by policy,
// redeploys on change, and in flash mode suspend on idle / resume on connect.
// Every state change is persisted, so a restarted daemon knows where it was.
import * as crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diffApp } from '../../../schema/src/diff';
import { strategyName } from '../../../schema/src/normalize';
import type { AppSpec, AppStatus, ConnectionTracking, FlashStats, MachineState, ServiceStatus } from '../../../schema/src/types';
import { IdleTracker } from '../flash/idle-tracker';
import type { ImageStore, ResolvedImage } from '../image/image-store';
import { READINESS_LABEL, stopSignalNumber } from '../image/oci';
import { freePort, ServiceProxy, type ConnectionGate, type TrackedConnection } from '../proxy/service-proxy';
import { run } from '../util/process';
import type { Accel } from '../vm/accel';
import { Machine, type AgentConfig } from '../vm/machine';
import type { DiskSpec, QemuSpec } from '../vm/qemu-command';
import { restoreSnapshot, saveSnapshot } from '../vm/snapshot';
import type { VolumeRecord } from '../volume/volume-manager';
import { LogStore } from './log-store';
import type { StateStore } from '../state/store';

export interface AppRecord {
  spec: AppSpec;
  /** Bumped when a change needs a new machine (names the overlay and the snapshot it belongs to). */
  generation: number;
  /** Bumped by every accepted change of the spec (AppStatus.generation). */
  specGeneration?: number;
  /** The last spec generation the controller acted on (AppStatus.observedGeneration). */
  observedGeneration?: number;
  state: MachineState;
  message?: string;
  /** Host port of each service, stable for the app's life. */
  hostPorts: Record<string, number>;
  flash: FlashStats;
  /** The snapshot taken at the last suspend; cleared before the machine runs again. */
  snapshot?: { generation: number; takenAt: string; forwards: Record<string, number> };
  accel?: string;
  createdAt: string;
  updatedAt: string;
}

export interface AppDeps {
  home: string;
  accel: Accel;
  kernel: string;
  initrd: string;
  images: ImageStore;
  volume: (namespace: string, name: string) => VolumeRecord | undefined;
  /** `namespace/name` of another running app that has this volume attached writeable. */
  volumeUser: (volume: string, except: string) => string | undefined;
  store: StateStore<AppRecord>;
  log: (line: string) => void;
}

/** How long a machine may boot before it is declared ready without a readiness signal. */
const BOOT_DEADLINE_MS = Number(process.env.LTTLE_BOOT_DEADLINE_MS ?? 300_000);
/** How long a new connection waits for a booting machine. */
const CONNECT_WAIT_MS = 300_000;
/** Grace period for the app's stop signal before the agent kills it. */
const STOP_GRACE_SECONDS = 10;
/** Crash-loop guard: this many failed exits within CRASH_WINDOW_MS end in `error`. */
const CRASH_LIMIT = 3;
const CRASH_WINDOW_MS = 60_000;

class Cancelled extends Error {}

export class AppController extends EventEmitter<{ state: [MachineState] }> {
  private record: AppRecord;
  private machine?: Machine;
  private machineGeneration = -1;
  private forwards: Record<string, number> = {};
  private readonly proxies = new Map<string, ServiceProxy>();
  readonly logs: LogStore;
  private readonly idle: IdleTracker;
  /** Serialises suspend/resume/boot/stop so a connection never races a transition. */
  private transitions: Promise<unknown> = Promise.resolve();
  private bootAbort?: AbortController;
  private expectingExit = false;
  private failures: number[] = [];
  private deleted = false;
  private bootDeadline?: NodeJS.Timeout;
  private image?: ResolvedImage;

  constructor(record: AppRecord, private readonly deps: AppDeps) {
    super();
    this.record = record;
    this.logs = new LogStore(path.join(this.dir, 'app.log'));
    const flash = this.flashMode();
    this.idle = new IdleTracker((flash?.timeout ?? 1) * 1000, this.trackingByService(), () => void this.suspend('idle').catch((err: Error) => this.system(`suspend failed: ${err.message}`)));
  }

  get spec(): AppSpec {
    return this.record.spec;
  }

  get id(): string {
    return `${this.spec.namespace}/${this.spec.name}`;
  }

  get state(): MachineState {
    return this.record.state;
  }

  /** True while a machine for this app exists (booting, running or suspended). */
  get active(): boolean {
    return Boolean(this.machine?.running) || this.record.state === 'suspended';
  }

  private get dir(): string {
    return path.join(this.deps.home, 'machines', this.spec.namespace, this.spec.name);
  }

  /** Sockets need short paths (108 bytes): keep them in $LTTLE_HOME/run under a hash. */
  private socketPath(kind: string): string {
    const hash = crypto.createHash('sha256').update(this.id).digest('hex').slice(0, 12);
    return path.join(this.deps.home, 'run', `${hash}.${kind}`);
  }

  private flashMode(): { strategy: string; timeout: number } | undefined {
    const mode = this.spec.mode;
    return mode === 'regular' ? undefined : { strategy: strategyName(mode.flash.strategy), timeout: mode.flash.timeout };
  }

  private trackingByService(): Record<string, ConnectionTracking> {
    return Object.fromEntries(Object.entries(this.spec.expose).map(([k, v]) => [k, v['connection-tracking']]));
  }

  status(): AppStatus {
    const r = this.record;
    return {
      spec: r.spec,
      state: r.state,
      ...(r.message ? { message: r.message } : {}),
      ...(r.accel ? { accel: r.accel } : {}),
      services: this.services(),
      ...(this.flashMode() ? { flash: { ...r.flash, locksHeld: this.idle.locksHeld, connections: this.idle.openConnections } } : {}),
      generation: r.specGeneration ?? r.generation,
      observedGeneration: r.observedGeneration ?? r.generation,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    };
  }

  private services(): ServiceStatus[] {
    return Object.entries(this.spec.expose).map(([key, expose]) => ({
      name: key,
      address: `tcp://${this.spec.name}-${key}.${this.spec.namespace}.svc.lttle.local:${expose.internal?.port ?? expose.port}`,
      hostAddress: `${expose.external?.host ?? '127.0.0.1'}:${this.record.hostPorts[key] ?? 0}`,
      targetPort: expose.port,
    }));
  }

  private persist(): void {
    if (this.deleted) return;
    this.record.updatedAt = new Date().toISOString();
    this.deps.store.put(this.spec.namespace, this.spec.name, this.record);
  }

  private setState(state: MachineState, message?: string): void {
    const changed = state !== this.record.state || message !== this.record.message;
    this.record.state = state;
    this.record.message = message;
    if (!changed) return;
    this.persist();
    this.emit('state', state);
  }

  /** A line of the runtime's own about this app, in its log. */
  private system(line: string): void {
    this.logs.line('system', `lttle: ${line}`);
  }

  private serialise<T>(work: () => Promise<T>): Promise<T> {
    const next = this.transitions.then(work, work);
    this.transitions = next.catch(() => undefined);
    return next;
  }

  // ---- desired state ----

  /** Applies a new spec: redeploys for machine-level changes, applies the rest live. */
  async apply(spec: AppSpec): Promise<void> {
    const plan = diffApp(this.record.spec, spec);
    if (plan.action === 'none') return;
    this.record.spec = spec;
    this.record.specGeneration = (this.record.specGeneration ?? this.record.generation) + 1;
    if (plan.redeploy) this.record.generation++;
    this.persist();
    const flash = this.flashMode();
    this.idle.configure(flash?.timeout ?? 1, this.trackingByService());
    await this.syncListeners();
    if (!plan.redeploy && this.machine?.running) {
      for (const [key, expose] of Object.entries(spec.expose)) {
        if (this.forwards[key] === undefined) await this.addForward(key, expose.port);
      }
      if (flash && this.record.state === 'ready') this.idle.start();
      if (!flash) this.idle.stop();
    }
    if (!plan.redeploy) this.observe();
    this.kick();
  }

  /** Starts what the record says should run (after create, apply or a daemon restart). */
  async start(): Promise<void> {
    await this.syncListeners();
    if (this.record.state === 'suspended' && this.record.snapshot?.generation === this.record.generation && fs.existsSync(this.snapshotFile())) {
      this.system('suspended machine waits for a connection (persisted snapshot)');
      return;
    }
    if (this.record.state === 'stopped' || this.record.state === 'error') return;
    this.kick();
  }

  /** Reconciles in the background: boots or replaces the machine when its generation is stale. */
  private kick(): void {
    void this.serialise(async () => {
      if (this.deleted) return;
      if (this.machine?.running && this.machineGeneration === this.record.generation) return this.observe();
      if (this.machine?.running) {
        this.setState('restarting');
        this.observe();
        this.system(`replacing the machine for a changed spec (generation ${this.record.generation})`);
        await this.stopMachine('restarting');
        this.dropSnapshot();
      }
      await this.boot();
    }).catch((err: Error) => {
      if (err instanceof Cancelled) return;
      this.deps.log(`app ${this.id}: ${err.stack ?? err.message}`);
      this.setState('error', err.message);
      this.system(`error: ${err.message}`);
    });
  }

  /** The controller now acts on the current spec: states reported from here on describe it. */
  private observe(): void {
    if (this.record.observedGeneration === this.record.specGeneration) return;
    this.record.observedGeneration = this.record.specGeneration ?? this.record.generation;
    this.persist();
  }

  // ---- services ----

  private async syncListeners(): Promise<void> {
    for (const [key, proxy] of this.proxies) {
      if (!(key in this.spec.expose)) {
        proxy.close();
        this.proxies.delete(key);
        delete this.record.hostPorts[key];
      }
    }
    for (const [key, expose] of Object.entries(this.spec.expose)) {
      if (this.proxies.has(key)) continue;
      const host = expose.external?.host ?? '127.0.0.1';
      const fixed = expose.external?.port;
      let proxy = new ServiceProxy(key, host, fixed ?? this.record.hostPorts[key] ?? 0, this.gate, this.deps.log);
      let port: number;
      try {
        port = await proxy.listen();
      } catch (err) {
        if (fixed !== undefined) throw new Error(`cannot listen on ${host}:${fixed} for service ${key}: ${(err as Error).message}`);
        // The remembered port was taken while the daemon was away: take a new one.
        proxy = new ServiceProxy(key, host, 0, this.gate, this.deps.log);
        port = await proxy.listen();
      }
      this.proxies.set(key, proxy);
      this.record.hostPorts[key] = port;
    }
    this.persist();
  }

  private readonly gate: ConnectionGate = {
    open: async (conn: TrackedConnection) => {
      this.idle.add(conn);
      try {
        await this.runnable();
        const port = this.forwards[conn.service];
        if (port === undefined) throw new Error(`service ${conn.service} is not forwarded`);
        return port;
      } catch (err) {
        this.idle.remove(conn);
        throw err;
      }
    },
    activity: () => (this.record.state === 'suspended' || this.record.state === 'suspending' ? this.runnable() : undefined),
    close: (conn: TrackedConnection) => this.idle.remove(conn),
  };

  /** Resolves once the machine runs: resumes a suspended one, waits for a booting one. */
  async runnable(): Promise<void> {
    const deadline = Date.now() + CONNECT_WAIT_MS;
    for (;;) {
      const state = this.record.state;
      if (this.deleted) throw new Error(`app ${this.id} was deleted`);
      if (state === 'ready') return;
      if (state === 'suspended' || state === 'suspending') {
        await this.resume('connection');
        continue;
      }
      if (state === 'error' || state === 'stopped') throw new Error(`app ${this.id} is ${state}${this.record.message ? `: ${this.record.message}` : ''}`);
      if (Date.now() > deadline) throw new Error(`app ${this.id} did not become ready in time (${state})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        this.once('state', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Keeps the machine awake (an exec session) until the returned release is called. */
  async hold(): Promise<() => void> {
    const release = this.idle.hold();
    try {
      await this.runnable();
    } catch (err) {
      release();
      throw err;
    }
    return release;
  }

  get runningMachine(): Machine | undefined {
    return this.machine?.running ? this.machine : undefined;
  }

  // ---- boot ----

  private async boot(): Promise<void> {
    const abort = new AbortController();
    this.bootAbort = abort;
    const check = () => {
      if (abort.signal.aborted || this.deleted) throw new Cancelled('boot cancelled');
    };
    const spec = this.spec;
    const generation = this.record.generation;
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(path.dirname(this.socketPath('x')), { recursive: true, mode: 0o700 });

    this.setState('pulling-image', `resolving ${spec.image}`);
    this.observe();
    this.image = await this.deps.images.rootfs(spec.image).catch((err: Error) => {
      throw new Error(`image ${spec.image}: ${err.message}`);
    });
    check();

    let disks: DiskSpec[];
    for (;;) {
      const volumes = this.volumeDisks(true);
      if (!('waitingFor' in volumes)) {
        disks = volumes.disks;
        break;
      }
      this.setState('waiting', volumes.waitingFor);
      await new Promise((r) => setTimeout(r, 500));
      check();
    }

    this.setState('creating');
    const overlay = path.join(this.dir, `rootfs-${generation}.qcow2`);
    if (!fs.existsSync(overlay)) {
      for (const old of fs.readdirSync(this.dir).filter((f) => /^rootfs-\d+\.qcow2$/.test(f))) fs.rmSync(path.join(this.dir, old));
      await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', this.image.rootfs, overlay]);
    }
    this.forwards = {};
    for (const key of Object.keys(spec.expose)) this.forwards[key] = await freePort();
    check();

    this.setState('booting');
    this.system(`booting ${spec.image} (${spec.resources.cpu} vCPU, ${spec.resources.memory} MiB, ${this.deps.accel})`);
    const machine = await Machine.start(this.qemuSpec(overlay, disks, false), path.join(this.dir, 'qemu.log'), this.agentConfig(disks));
    this.attach(machine, generation);
    this.record.accel = this.deps.accel;
    this.persist();
    this.bootDeadline = setTimeout(() => {
      if (this.machine !== machine || this.record.state !== 'booting') return;
      const why = `no readiness signal within ${BOOT_DEADLINE_MS / 1000}s${this.flashMode() ? ' (flash trigger did not fire; running without a snapshot)' : ''}`;
      this.system(why);
      this.setState('ready', why);
    }, BOOT_DEADLINE_MS);
  }

  /**
   * The app's volumes as disks (serials vol0, vol1, ... in the app's order), or what is
   * missing. With `exclusive`, a writeable volume another running app has is not free.
   */
  private volumeDisks(exclusive: boolean): { disks: DiskSpec[] } | { waitingFor: string } {
    const disks: DiskSpec[] = [];
    const missing: string[] = [];
    const busy: string[] = [];
    for (const v of this.spec.volumes) {
      const id = `${v.namespace}/${v.name}`;
      const record = this.deps.volume(v.namespace, v.name);
      if (!record || record.state !== 'ready') {
        missing.push(id);
        continue;
      }
      const user = exclusive && record.spec.mode === 'writeable' ? this.deps.volumeUser(id, this.id) : undefined;
      if (user) busy.push(`${id} (in use by ${user})`);
      disks.push({ serial: `vol${disks.length}`, file: record.file, format: 'raw', readOnly: record.spec.mode === 'read-only' });
    }
    if (missing.length) return { waitingFor: `waiting for volume${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` };
    if (busy.length) return { waitingFor: `waiting for volume ${busy.join(', ')}` };
    return { disks };
  }

  private qemuSpec(overlay: string, disks: DiskSpec[], incoming: boolean): QemuSpec {
    return {
      kernel: this.deps.kernel,
      initrd: this.deps.initrd,
      cpus: this.spec.resources.cpu,
      memoryMiB: this.spec.resources.memory,
      accel: this.deps.accel,
      disks: [{ serial: 'root', file: overlay, format: 'qcow2', readOnly: false }, ...disks],
      forwards: Object.entries(this.forwards).map(([key, hostPort]) => ({ hostPort, guestPort: this.spec.expose[key].port })),
      qmpSocket: this.socketPath('qmp'),
      controlSocket: this.socketPath('ctl'),
      consoleLog: path.join(this.dir, 'console.log'),
      memoryFile: path.join(this.dir, 'memory'),
      incoming,
    };
  }

  private agentConfig(disks: DiskSpec[]): AgentConfig {
    const config = this.image?.config.config ?? {};
    const args = this.spec.command ?? [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
    if (!args.length) throw new Error(`image ${this.spec.image} has no entrypoint or command, and the app sets no command`);
    const env = new Map<string, string>();
    for (const e of config.Env ?? []) {
      const eq = e.indexOf('=');
      if (eq > 0) env.set(e.slice(0, eq), e.slice(eq + 1));
    }
    for (const [k, v] of Object.entries(this.spec.environment)) env.set(k, v);
    const firstPort = Object.values(this.spec.expose)[0]?.port;
    // A regular app is ready when its image says so (PostgreSQL's module: once it accepts
    // connections), else once it listens on its first exposed port, else once started.
    // The label describes the image's own entrypoint, not a command the app puts in its place.
    const imageReadiness = this.spec.command ? undefined : config.Labels?.[READINESS_LABEL];
    const readiness = this.flashMode()?.strategy ?? imageReadiness ?? (firstPort ? `listen-on-port:${firstPort}` : 'user-space-ready');
    return {
      args,
      env: [...env].map(([k, v]) => `${k}=${v}`),
      workdir: config.WorkingDir || undefined,
      user: config.User || undefined,
      hostname: this.spec.name,
      volumes: this.spec.volumes.map((v, i) => ({ serial: disks[i].serial, path: v.path, readOnly: disks[i].readOnly })),
      flash: readiness,
    };
  }

  private attach(machine: Machine, generation: number): void {
    this.machine = machine;
    this.machineGeneration = generation;
    this.expectingExit = false;
    fs.writeFileSync(path.join(this.dir, 'qemu.pid'), String(machine.pid));
    machine.on('log', (stream, data) => this.logs.write(stream, data));
    machine.on('agent-log', (line) => this.system(`guest: ${line}`));
    machine.on('flash', (reason) => void this.onReadySignal(machine, reason));
    machine.on('locks', (count) => this.idle.setLocks(count));
    machine.on('exited', (how) => void this.onAppExit(machine, how));
    machine.on('exit', (code) => this.onMachineExit(machine, code));
  }

  private async onReadySignal(machine: Machine, reason: string): Promise<void> {
    if (this.machine !== machine) return;
    clearTimeout(this.bootDeadline);
    this.logs.flush();
    const flash = this.flashMode();
    if (!flash) {
      this.system(`ready (${reason})`);
      this.setState('ready');
      return;
    }
    this.system(`flash trigger fired (${reason}): taking the flash snapshot`);
    this.setState('ready');
    await this.suspend('flash snapshot').catch((err: Error) => this.system(`flash snapshot failed: ${err.message}`));
  }

  // ---- suspend / resume ----

  /** Pauses the machine and persists its snapshot; refused while anything keeps it awake. */
  suspend(why: string, force = false): Promise<void> {
    return this.serialise(async () => {
      const machine = this.machine;
      if (!machine?.running || this.record.state !== 'ready' || !this.flashMode()) return;
      if (!force && this.idle.busy()) {
        this.idle.start();
        return;
      }
      this.idle.stop();
      this.setState('suspending');
      const started = Date.now();
      await machine.pause();
      await saveSnapshot(machine.qmp, this.snapshotFile());
      this.record.snapshot = { generation: this.machineGeneration, takenAt: new Date().toISOString(), forwards: { ...this.forwards } };
      this.record.flash.lastSuspendAt = new Date().toISOString();
      this.setState('suspended');
      this.system(`suspended (${why}) in ${Date.now() - started} ms`);
    });
  }

  resume(why: string): Promise<void> {
    return this.serialise(async () => {
      if (this.record.state !== 'suspended') return;
      const started = process.hrtime.bigint();
      let machine = this.machine?.running ? this.machine : undefined;
      if (!machine) machine = await this.restore();
      // The snapshot is stale the moment the guest runs: never restore it over newer volume data.
      this.dropSnapshot();
      await machine.resume();
      await machine.syncClock();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      this.record.flash.resumeCount++;
      this.record.flash.lastResumeAt = new Date().toISOString();
      this.record.flash.lastResumeLatencyMs = Math.round(ms * 100) / 100;
      this.setState('ready');
      this.system(`resumed (${why}) in ${ms.toFixed(1)} ms`);
      this.idle.start();
    });
  }

  private snapshotFile(): string {
    return path.join(this.dir, 'snapshot.state');
  }

  private dropSnapshot(): void {
    if (!this.record.snapshot) return;
    this.record.snapshot = undefined;
    this.persist();
    fs.rmSync(this.snapshotFile(), { force: true });
  }

  /** A new QEMU from the persisted snapshot (the daemon restarted while the app was suspended). */
  private async restore(): Promise<Machine> {
    const snapshot = this.record.snapshot;
    if (!snapshot || snapshot.generation !== this.record.generation || !fs.existsSync(this.snapshotFile())) {
      throw new Error('no usable snapshot to resume from');
    }
    this.image = await this.deps.images.rootfs(this.spec.image);
    const volumes = this.volumeDisks(false);
    if ('waitingFor' in volumes) throw new Error(`cannot restore: ${volumes.waitingFor}`);
    const { disks } = volumes;
    this.forwards = { ...snapshot.forwards };
    const overlay = path.join(this.dir, `rootfs-${snapshot.generation}.qcow2`);
    const machine = await Machine.start(this.qemuSpec(overlay, disks, true), path.join(this.dir, 'qemu.log'));
    await restoreSnapshot(machine.qmp, this.snapshotFile());
    this.attach(machine, snapshot.generation);
    this.system('restored the machine from its persisted snapshot');
    return machine;
  }

  // ---- exits, restarts, stop ----

  private async onAppExit(machine: Machine, how: string): Promise<void> {
    if (this.machine !== machine || this.expectingExit) return;
    this.logs.flush();
    this.system(`app process ended (${how})`);
    const failed = how !== 'exit 0';
    const policy = this.spec['restart-policy'];
    await this.serialise(async () => {
      if (this.machine !== machine) return;
      await this.stopMachine('stopping');
      if (policy === 'remove') {
        this.setState('stopped', `app process ended (${how}); restart-policy remove`);
        this.removeRequested?.();
        return;
      }
      if (policy === 'never' || (policy === 'on-failure' && !failed)) {
        this.setState('stopped', `app process ended (${how})`);
        return;
      }
      if (failed) {
        const now = Date.now();
        this.failures = [...this.failures.filter((t) => now - t < CRASH_WINDOW_MS), now];
        if (this.failures.length >= CRASH_LIMIT) {
          this.setState('error', `app process ended (${how}) ${CRASH_LIMIT} times within ${CRASH_WINDOW_MS / 1000}s; not restarting (redeploy to try again)`);
          return;
        }
      }
      const backoff = 1000 * 2 ** Math.max(0, this.failures.length - 1);
      this.setState('restarting', `app process ended (${how}); restarting in ${backoff / 1000}s`);
      await new Promise((r) => setTimeout(r, backoff));
      if (this.deleted) return;
      await this.boot();
    });
  }

  /** Set by the manager: called when restart-policy `remove` deletes the app. */
  removeRequested?: () => void;

  private onMachineExit(machine: Machine, code: number | null): void {
    if (this.machine !== machine) return;
    this.logs.flush();
    fs.rmSync(path.join(this.dir, 'qemu.pid'), { force: true });
    if (this.expectingExit) return;
    this.machine = undefined;
    this.idle.stop();
    this.system(`machine stopped unexpectedly (qemu exit code ${code})`);
    this.setState('error', `machine stopped unexpectedly (qemu exit code ${code}); see ${path.join(this.dir, 'qemu.log')}`);
  }

  /** Stops the machine: the app gets its stop signal, the agent syncs and powers off. */
  private async stopMachine(state: MachineState): Promise<void> {
    clearTimeout(this.bootDeadline);
    this.idle.stop();
    const machine = this.machine;
    if (!machine?.running) {
      this.machine = undefined;
      return;
    }
    this.expectingExit = true;
    this.setState(state);
    const signal = stopSignalNumber(this.image?.config.config ?? {});
    await machine.shutdown(signal, STOP_GRACE_SECONDS);
    this.machine = undefined;
    this.logs.flush();
  }

  private async addForward(key: string, guestPort: number): Promise<void> {
    const machine = this.machine;
    if (!machine?.running) return;
    const hostPort = await freePort();
    await machine.qmp.execute('human-monitor-command', { 'command-line': `hostfwd_add net0 tcp:127.0.0.1:${hostPort}-:${guestPort}` });
    this.forwards[key] = hostPort;
  }

  /** Deletes the app: its machine, overlay, sockets and log. Never its volumes. */
  async destroy(): Promise<void> {
    this.bootAbort?.abort();
    await this.serialise(async () => {
      for (const proxy of this.proxies.values()) proxy.close();
      this.proxies.clear();
      await this.stopMachine('stopping');
      this.deleted = true;
      this.idle.stop();
      this.deps.store.remove(this.spec.namespace, this.spec.name);
      for (const socket of ['qmp', 'ctl']) fs.rmSync(this.socketPath(socket), { force: true });
      fs.rmSync(this.dir, { recursive: true, force: true });
      this.emit('state', 'stopped');
    });
  }

  /** The daemon is stopping: suspended machines keep their snapshot, running ones are stopped cleanly. */
  async shutdownForDaemonStop(): Promise<void> {
    for (const proxy of this.proxies.values()) proxy.close();
    this.proxies.clear();
    this.bootAbort?.abort();
    await this.serialise(async () => {
      if (this.record.state === 'suspended' && this.record.snapshot) {
        this.expectingExit = true;
        this.machine?.kill();
        await this.machine?.exitPromise;
        this.machine = undefined;
        return;
      }
      const wasRunning = Boolean(this.machine?.running);
      await this.stopMachine('stopping');
      // Booted again when the daemon comes back.
      if (wasRunning) this.setState('idle', 'the runtime was stopped');
    });
  }

  /** A machine left over by a daemon that died: kill its QEMU so files are free again. */
  static killLeftover(home: string, namespace: string, name: string): boolean {
    const pidFile = path.join(home, 'machines', namespace, name, 'qemu.pid');
    let pid: number;
    try {
      pid = Number(fs.readFileSync(pidFile, 'utf8'));
    } catch {
      return false;
    }
    fs.rmSync(pidFile, { force: true });
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('qemu-system')) return false;
      process.kill(pid, 'SIGKILL');
    } catch {
      return false;
    }
    // Wait until it is gone: it holds the memory file and the disks.
    const deadline = Date.now() + 5000;
    while (fs.existsSync(`/proc/${pid}`) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    return true;
  }
}
