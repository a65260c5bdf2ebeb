// An in-memory machine driver for the lifecycle tests: no QEMU, machines start
// at once, and the test plays the guest — fires the readiness/flash trigger,
// ends the app's process, crashes the machine, takes flash locks — and makes
// pause, save or restore fail on demand. Every call is counted. Test-only:
// nothing in production imports testing/ (guarded by a unit test).
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AppState } from '../app-state';
import type { BootProgress, MachineDriver, MachineDriverEvents, MachineDriverFactory, RunningMachine, SnapshotSource } from '../machine-driver';
import type { Frame, VolumeUsage } from '../../vm/channel';
import type { MemoryReclaim } from '../../vm/memory-file';
import type { PageOut } from '../../vm/page-out';
import type { OptionalDevice } from '../../vm/qemu-command';

export interface FakeCalls {
  /** boot() calls, and machines that actually started from one (a cancelled boot starts none). */
  boot: number;
  booted: number;
  restore: number;
  restored: number;
  stop: number;
  kill: number;
  pause: number;
  resume: number;
  syncClock: number;
  save: number;
  load: number;
  pageOut: number;
  pushServices: number;
  addForward: number;
  reclaim: number;
}

/** Guest RAM lives in a memory file next to the snapshot, as with QEMU's shared memory backend. */
const MEMORY_BYTES = 1 << 20;

export class FakeMachine implements RunningMachine {
  running = true;
  paused: boolean;
  readonly sent: { type: number; channel: number; payload: string }[] = [];
  private nextChannel = 1;

  constructor(
    private readonly driver: FakeMachineDriver,
    readonly machineGeneration: number,
    incoming: boolean,
    readonly devices: readonly OptionalDevice[],
  ) {
    this.paused = incoming;
  }

  async pause(): Promise<void> {
    this.driver.calls.pause++;
    if (this.driver.failPause) throw new Error(this.driver.failPause);
    this.paused = true;
  }

  async resume(): Promise<void> {
    this.driver.calls.resume++;
    if (this.driver.resumeDelayMs) await new Promise((r) => setTimeout(r, this.driver.resumeDelayMs));
    this.paused = false;
  }

  async syncClock(timeoutMs = 2000): Promise<void> {
    this.driver.calls.syncClock++;
    const answerMs = this.driver.clockAnswerMs;
    await new Promise((r) => setTimeout(r, Math.min(answerMs, timeoutMs)));
    if (answerMs > timeoutMs) throw new Error(`the guest agent did not answer within ${timeoutMs} ms`);
  }

  async saveSnapshot(file: string): Promise<void> {
    this.driver.calls.save++;
    if (this.driver.failSave) throw new Error(this.driver.failSave);
    fs.writeFileSync(file, `device state of machine generation ${this.machineGeneration}`);
  }

  async loadSnapshot(file: string): Promise<void> {
    this.driver.calls.load++;
    fs.readFileSync(file);
  }

  async reclaimMemory(): Promise<MemoryReclaim> {
    this.driver.calls.reclaim++;
    if (this.paused) throw new Error('the guest is paused: it cannot hand memory back');
    if (this.driver.failReclaim) throw new Error(this.driver.failReclaim);
    return { beforeBytes: MEMORY_BYTES, afterBytes: MEMORY_BYTES / 4, guestFreeBytes: MEMORY_BYTES / 2, ms: 1 };
  }

  async pageOutMemory(): Promise<PageOut> {
    this.driver.calls.pageOut++;
    if (!this.paused) throw new Error('the guest is running: only a paused one is paged out');
    if (this.driver.failPageOut) throw new Error(this.driver.failPageOut);
    return { residentBeforeBytes: MEMORY_BYTES, residentAfterBytes: 0, ms: 1 };
  }

  async growVolume(_serial: string, bytes: number): Promise<number> {
    return bytes;
  }

  /** The in-memory machine has no disk files: switching and streaming only count. */
  disksSwitched = 0;
  async snapshotDisk(): Promise<void> {
    this.disksSwitched++;
  }

  async streamDisk(): Promise<void> {}

  async volumeUsage(): Promise<VolumeUsage[]> {
    return [];
  }

  send(type: number, channel: number, payload: Buffer | string = ''): void {
    if (!this.running) throw new Error('the guest control channel is closed');
    this.sent.push({ type, channel, payload: payload.toString() });
  }

  openExecChannel(_onFrame: (frame: Frame) => void): { channel: number; close: () => void } {
    return { channel: this.nextChannel++, close: () => undefined };
  }
}

export class FakeMachineDriver extends EventEmitter<MachineDriverEvents> implements MachineDriver {
  readonly calls: FakeCalls = {
    boot: 0,
    booted: 0,
    restore: 0,
    restored: 0,
    stop: 0,
    kill: 0,
    pause: 0,
    resume: 0,
    syncClock: 0,
    save: 0,
    load: 0,
    pushServices: 0,
    addForward: 0,
    reclaim: 0,
    pageOut: 0,
  };
  readonly accel = 'fake';
  current: FakeMachine | undefined;
  machineGeneration = -1;
  forwards: Record<string, number> = {};
  /** While set, a boot waits (reporting it), like one waiting for a volume. */
  waitingFor?: string;
  /** Messages the next pause / snapshot save / restore fail with, while set. */
  failPause?: string;
  failSave?: string;
  failRestore?: string;
  /** While set, the guest does not hand memory back (reclaimMemory fails with it). */
  failReclaim?: string;
  /** While set, paging out fails with it (lttled without CAP_SYS_NICE). */
  failPageOut?: string;
  /** The devices a boot gives a machine (a restore gives its snapshot's). */
  bootDevices: OptionalDevice[] = ['balloon'];
  /** How long the guest takes to confirm its clock (a host busy with many wakes). */
  clockAnswerMs = 0;
  /** How long a resume takes, so a test can see connections queue meanwhile. */
  resumeDelayMs = 0;

  constructor(
    private readonly app: AppState,
    /** The port every service is forwarded to: the test's stand-in for the guest's servers. */
    private readonly servicePort: number,
  ) {
    super();
  }

  get running(): FakeMachine | undefined {
    return this.current?.running ? this.current : undefined;
  }

  async boot(machineGeneration: number, progress: BootProgress): Promise<FakeMachine> {
    this.calls.boot++;
    fs.mkdirSync(this.app.dir, { recursive: true });
    progress.check();
    while (this.waitingFor) {
      progress.state('waiting', this.waitingFor);
      await new Promise((r) => setTimeout(r, 10));
      progress.check();
    }
    progress.state('creating');
    this.forwards = Object.fromEntries(Object.keys(this.app.spec.expose).map((key) => [key, this.servicePort]));
    progress.check();
    progress.state('booting');
    // A new machine has new RAM.
    fs.rmSync(path.join(this.app.dir, 'memory'), { force: true });
    fs.writeFileSync(path.join(this.app.dir, 'memory'), Buffer.alloc(0));
    fs.truncateSync(path.join(this.app.dir, 'memory'), MEMORY_BYTES);
    this.calls.booted++;
    return this.start(machineGeneration, false, this.bootDevices);
  }

  async restore(snapshots: SnapshotSource): Promise<FakeMachine> {
    this.calls.restore++;
    const snapshot = snapshots.usable();
    if (!snapshot) throw new Error('no usable snapshot to resume from');
    if (this.failRestore) throw new Error(this.failRestore);
    this.forwards = { ...snapshot.forwards };
    const machine = this.start(snapshot.machineGeneration, true, snapshot.devices ?? []);
    await snapshots.load(machine);
    this.calls.restored++;
    return machine;
  }

  async addForward(key: string): Promise<void> {
    if (!this.running) return;
    this.calls.addForward++;
    this.forwards[key] = this.servicePort;
  }

  async stop(): Promise<void> {
    if (this.current?.running) this.calls.stop++;
    this.end();
  }

  async kill(): Promise<void> {
    if (this.current?.running) this.calls.kill++;
    this.end();
  }

  pushServices(): void {
    if (this.running) this.calls.pushServices++;
  }

  removeSockets(): void {}

  // ---- the guest, played by the test ----

  /** The readiness (or, in flash mode, the flash) trigger fires. */
  ready(reason = 'fake trigger'): void {
    if (this.running) this.emit('ready', reason);
  }

  /** The guest takes or releases flash locks (queries in flight). */
  locks(count: number): void {
    this.emit('locks', count);
  }

  /** The app's process ends (`exit 0`, `exit 1`, `signal 9` …); the machine keeps running until stopped. */
  appExit(how: string): void {
    if (this.running) this.emit('exited', this.running, how);
  }

  /** The machine goes away unasked. */
  crash(code: number | null): void {
    if (!this.running) return;
    this.end();
    this.emit('crashed', code);
  }

  private start(machineGeneration: number, incoming: boolean, devices: readonly OptionalDevice[]): FakeMachine {
    this.current = new FakeMachine(this, machineGeneration, incoming, devices);
    this.machineGeneration = machineGeneration;
    return this.current;
  }

  private end(): void {
    if (this.current) this.current.running = false;
    this.current = undefined;
  }
}

/** A factory for AppDeps.machines that remembers the driver it made for each app; `init` sets one up before its first boot. */
export function fakeMachines(
  servicePort: number,
  init: (driver: FakeMachineDriver) => void = () => undefined,
): { factory: MachineDriverFactory; drivers: Map<string, FakeMachineDriver> } {
  const drivers = new Map<string, FakeMachineDriver>();
  const factory: MachineDriverFactory = (app) => {
    const driver = new FakeMachineDriver(app, servicePort);
    init(driver);
    drivers.set(app.id, driver);
    return driver;
  };
  return { factory, drivers };
}
