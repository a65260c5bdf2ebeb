// The app's one QEMU machine (the daemon's MachineDriver): booted from the image
// and the app's volumes, restored from a persisted snapshot, stopped. Only the
// current machine's events are passed on, so a replaced or stopping machine
// cannot move the app.
import * as crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageStore, ResolvedImage } from '../image/image-store';
import { stopSignalNumber } from '../image/oci';
import { freePort } from '../proxy/service-proxy';
import { run } from '../util/process';
import type { Accel } from '../vm/accel';
import { servicesPayload, MACHINE_CHANNEL, MsgType } from '../vm/channel';
import { Machine } from '../vm/machine';
import { BOOT_DEVICES, type DiskSpec, type OptionalDevice, type QemuSpec } from '../vm/qemu-command';
import type { AppState } from './app-state';
import { SERVICE_GATEWAY, type InternalServices } from '../proxy/internal-services';
import { agentConfig, volumeDisks, type VolumeLookup } from './machine-config';
import type { BootProgress, MachineContext, MachineDriver, MachineDriverEvents, MachineDriverFactory, SnapshotSource } from './machine-driver';

export interface MachineDeps extends VolumeLookup {
  home: string;
  internal: InternalServices;
  accel: Accel;
  kernel: string;
  initrd: string;
  images: ImageStore;
}

/** Grace period for the app's stop signal before the agent kills it. */
const STOP_GRACE_SECONDS = 10;

export function machineDir(home: string, namespace: string, name: string): string {
  return path.join(home, 'machines', namespace, name);
}

/** The QEMU driver for every app, with what QEMU needs besides what the app manager shares. */
export function qemuMachines(deps: Omit<MachineDeps, keyof MachineContext>): MachineDriverFactory {
  return (app, context) => new AppMachine(app, { ...deps, ...context });
}

export class AppMachine extends EventEmitter<MachineDriverEvents> implements MachineDriver {
  private machine?: Machine;
  private bootedGeneration = -1;
  private portForwards: Record<string, number> = {};
  private image?: ResolvedImage;
  private expectingExit = false;

  constructor(
    private readonly app: AppState,
    private readonly deps: MachineDeps,
  ) {
    super();
  }

  /** The last machine started, until it is stopped or crashes. */
  get current(): Machine | undefined {
    return this.machine;
  }

  get running(): Machine | undefined {
    return this.machine?.running ? this.machine : undefined;
  }

  /** The record's machine generation the current machine belongs to. */
  get machineGeneration(): number {
    return this.bootedGeneration;
  }

  get accel(): string {
    return this.deps.accel;
  }

  /** The host port QEMU forwards to each service's guest port. */
  get forwards(): Record<string, number> {
    return this.portForwards;
  }

  /**
   * Boots a machine for `machineGeneration`: resolves the image (the caller has reported
   * `pulling-image`), waits for the volumes, creates the overlay and starts QEMU.
   */
  async boot(machineGeneration: number, progress: BootProgress): Promise<Machine> {
    const spec = this.app.spec;
    const dir = this.app.dir;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(path.dirname(this.socketPath('x')), { recursive: true, mode: 0o700 });
    this.image = await this.deps.images.rootfs(spec.image).catch((err: Error) => {
      throw new Error(`image ${spec.image}: ${err.message}`);
    });
    progress.check();

    let disks: DiskSpec[];
    for (;;) {
      const volumes = volumeDisks(spec, this.deps, true);
      if (!('waitingFor' in volumes)) {
        disks = volumes.disks;
        break;
      }
      progress.state('waiting', volumes.waitingFor);
      await new Promise((r) => setTimeout(r, 500));
      progress.check();
    }

    progress.state('creating');
    const overlay = this.overlay(machineGeneration);
    if (!fs.existsSync(overlay)) {
      for (const old of fs.readdirSync(dir).filter((f) => /^rootfs-\d+\.qcow2$/.test(f))) fs.rmSync(path.join(dir, old));
      await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', this.image.rootfs, overlay]);
    }
    this.portForwards = {};
    for (const key of Object.keys(spec.expose)) this.portForwards[key] = await freePort();
    progress.check();

    await this.deps.internal.listen(this.app.id, this.socketPath('svc'));
    progress.state('booting');
    this.app.system(`booting ${spec.image} (${spec.resources.cpu} vCPU, ${spec.resources.memory} MiB, ${this.deps.accel})`);
    const machine = await Machine.start(this.qemuSpec(overlay, disks, false), path.join(dir, 'qemu.log'), agentConfig(spec, this.image, disks));
    this.attach(machine, machineGeneration);
    this.pushServices();
    return machine;
  }

  /** A new QEMU from the persisted snapshot (a wake from deep suspend, or after a daemon restart). */
  async restore(snapshots: SnapshotSource): Promise<Machine> {
    const snapshot = snapshots.usable();
    if (!snapshot) throw new Error('no usable snapshot to resume from');
    // Resolved once: a wake from deep suspend should not pay for reading the image store.
    if (this.image?.reference !== this.app.spec.image) this.image = await this.deps.images.rootfs(this.app.spec.image);
    const volumes = volumeDisks(this.app.spec, this.deps, false);
    if ('waitingFor' in volumes) throw new Error(`cannot restore: ${volumes.waitingFor}`);
    this.portForwards = { ...snapshot.forwards };
    await this.deps.internal.listen(this.app.id, this.socketPath('svc'));
    const devices = snapshot.devices ?? [];
    const spec = this.qemuSpec(this.overlay(snapshot.machineGeneration), volumes.disks, true, devices);
    const machine = await Machine.start(spec, path.join(this.app.dir, 'qemu.log'));
    const loadStarted = performance.now();
    await snapshots.load(machine);
    const { qmpMs, controlMs } = machine.startTimings;
    const timings = `qemu start to QMP ${qmpMs.toFixed(1)} ms, control channel ${controlMs.toFixed(1)} ms, device state ${(performance.now() - loadStarted).toFixed(1)} ms`;
    this.attach(machine, snapshot.machineGeneration);
    const without = BOOT_DEVICES.filter((d) => !devices.includes(d));
    // Said once per restore: until its next cold boot this machine runs as the snapshot's version made it.
    this.app.system(
      `restored the machine from its persisted snapshot (${timings})${without.length ? ` (taken without ${without.join(', ')}: restored without)` : ''}`,
    );
    return machine;
  }

  /** Forwards a service added by a live change to the running machine. */
  async addForward(key: string, guestPort: number): Promise<void> {
    const machine = this.running;
    if (!machine) return;
    const hostPort = await freePort();
    await machine.qmp.execute('human-monitor-command', { 'command-line': `hostfwd_add net0 tcp:127.0.0.1:${hostPort}-:${guestPort}` });
    this.portForwards[key] = hostPort;
  }

  /** Stops the machine: the app gets its stop signal, the agent syncs and powers off. */
  async stop(): Promise<void> {
    const machine = this.machine;
    if (!machine?.running) {
      this.machine = undefined;
      return;
    }
    this.expectingExit = true;
    await machine.shutdown(stopSignalNumber(this.image?.config.config ?? {}), STOP_GRACE_SECONDS);
    this.machine = undefined;
    this.app.logs.flush();
  }

  /** Kills QEMU at once: for a suspended machine, whose state is in its snapshot. */
  async kill(): Promise<void> {
    this.expectingExit = true;
    this.machine?.kill();
    await this.machine?.exitPromise;
    this.machine = undefined;
  }

  /**
   * Sends the running guest the internal services its namespace may reach (PROTOCOL.md, SERVICES).
   * Not its own: it reaches them on localhost, and the agent's listener would take their port from the app.
   */
  pushServices(): void {
    const services = this.deps.internal.visibleTo(this.app.spec.namespace).filter((s) => s.app !== this.app.id);
    try {
      this.running?.send(MsgType.SERVICES, MACHINE_CHANNEL, servicesPayload(services));
    } catch {
      // The channel is gone with the machine: the next boot or resume sends the list again.
    }
  }

  removeSockets(): void {
    this.deps.internal.close(this.app.id);
    for (const socket of ['qmp', 'ctl', 'svc']) fs.rmSync(this.socketPath(socket), { force: true });
  }

  private overlay(machineGeneration: number): string {
    return path.join(this.app.dir, `rootfs-${machineGeneration}.qcow2`);
  }

  /** Sockets need short paths (108 bytes): keep them in $LTTLE_HOME/run under a hash. */
  private socketPath(kind: string): string {
    const hash = crypto.createHash('sha256').update(this.app.id).digest('hex').slice(0, 12);
    return path.join(this.deps.home, 'run', `${hash}.${kind}`);
  }

  /** `devices`: a boot's are this version's; a restore's are its snapshot's (a different set would not load). */
  private qemuSpec(overlay: string, disks: DiskSpec[], incoming: boolean, devices: readonly OptionalDevice[] = BOOT_DEVICES): QemuSpec {
    const spec = this.app.spec;
    return {
      kernel: this.deps.kernel,
      initrd: this.deps.initrd,
      cpus: spec.resources.cpu,
      memoryMiB: spec.resources.memory,
      accel: this.deps.accel,
      disks: [{ serial: 'root', file: overlay, format: 'qcow2', readOnly: false }, ...disks],
      forwards: Object.entries(this.portForwards).map(([key, hostPort]) => ({ hostPort, guestPort: spec.expose[key].port })),
      qmpSocket: this.socketPath('qmp'),
      controlSocket: this.socketPath('ctl'),
      services: { gateway: SERVICE_GATEWAY, socket: this.socketPath('svc') },
      consoleLog: path.join(this.app.dir, 'console.log'),
      memoryFile: path.join(this.app.dir, 'memory'),
      incoming,
      devices,
    };
  }

  private attach(machine: Machine, machineGeneration: number): void {
    this.machine = machine;
    this.bootedGeneration = machineGeneration;
    this.expectingExit = false;
    const pidFile = path.join(this.app.dir, 'qemu.pid');
    fs.writeFileSync(pidFile, String(machine.pid));
    machine.on('log', (stream, data) => this.app.logs.write(stream, data));
    machine.on('agent-log', (line) => this.app.system(`guest: ${line}`));
    machine.on('flash', (reason) => {
      if (this.machine === machine) this.emit('ready', reason);
    });
    machine.on('locks', (count) => this.emit('locks', count));
    machine.on('exited', (how) => {
      if (this.machine === machine && !this.expectingExit) this.emit('exited', machine, how);
    });
    machine.on('exit', (code) => {
      if (this.machine !== machine) return;
      this.app.logs.flush();
      fs.rmSync(pidFile, { force: true });
      if (this.expectingExit) return;
      this.machine = undefined;
      this.emit('crashed', code);
    });
  }
}

/** A machine left over by a daemon that died: kill its QEMU so files are free again. */
export function killLeftover(home: string, namespace: string, name: string): boolean {
  const pidFile = path.join(machineDir(home, namespace, name), 'qemu.pid');
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8'));
  } catch {
    return false; // no pid file: no QEMU was left over
  }
  fs.rmSync(pidFile, { force: true });
  try {
    if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('qemu-system')) return false;
    process.kill(pid, 'SIGKILL');
  } catch {
    return false; // the process is already gone
  }
  // Wait until it is gone: it holds the memory file and the disks.
  const deadline = Date.now() + 5000;
  while (fs.existsSync(`/proc/${pid}`) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  return true;
}

/**
 * Machine directories no app record names, removed: what a daemon killed in
 * the middle of a fork (the copy is made before the fork is recorded) or of a
 * delete (the record goes before the directory) leaves; a fork's copy of the
 * memory file can be as large as the guest's RAM. Returns the removed ones.
 */
export function removeStrayMachineDirs(home: string, recorded: (namespace: string, name: string) => boolean): string[] {
  const root = path.join(home, 'machines');
  const removed: string[] = [];
  if (!fs.existsSync(root)) return removed;
  for (const namespace of fs.readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    for (const entry of fs.readdirSync(path.join(root, namespace.name), { withFileTypes: true })) {
      if (!entry.isDirectory() || recorded(namespace.name, entry.name)) continue;
      const dir = machineDir(home, namespace.name, entry.name);
      killLeftover(home, namespace.name, entry.name);
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return removed;
}
