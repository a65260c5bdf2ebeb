// Flash mode: a ready machine is suspended once idle (no counted connection, no
// flash lock) and resumed by the next connection. Every connection to a service
// passes the gate here first, so none reaches a paused or booting machine.
// Deep suspend: after `deep-suspend-after` seconds with no client connection
// open, the snapshot is made durable (slimmed first, slim-snapshot.ts) and QEMU
// exits; the next wake restores it in a new QEMU. Paged out, between the two:
// after the daemon's page-out delay the paused QEMU's guest RAM is dropped from
// host memory (vm/page-out.ts); QEMU and the client connections stay.
import { deepSuspendAfter, flashSettings } from '../../../schema/src/normalize';
import type { FlashStats, ResumeKind } from '../../../schema/src/types';
import { IdleTracker, trackingByService } from './idle-tracker';
import type { ConnectionGate, TrackedConnection } from '../proxy/service-proxy';
import type { MachineDriver, RunningMachine } from '../app/machine-driver';
import type { AppState } from '../app/app-state';
import type { LifecycleTiming } from '../app/app-deps';
import type { SnapshotFiles } from './snapshot-files';
import { PageOutTimer } from './page-out-timer';
import { setGuestClock } from './guest-clock';
import type { PressureCandidate } from './memory-pressure';
import { shrinkOnDisk, slimSnapshot } from './slim-snapshot';
import type { ImageMemoryBases } from '../vm/shared-pages';

/** How long a new connection waits for a booting machine. */
const CONNECT_WAIT_MS = 300_000;
/** Connections that may wait for the machine at once; more are refused at once, not left hanging. */
const WAKE_QUEUE = Number(process.env.LTTLE_WAKE_QUEUE ?? 1024);
/** Backoff of a failed suspend: doubles from the first (a constructor parameter) to this. */
const RETRY_MAX_MS = 60_000;
/** How often a due deep suspend looks again whether the last client connection has closed. */
const DEEP_RECHECK_MS = 1000;

export class FlashControl {
  private readonly idle: IdleTracker;
  /** Connections waiting for the machine to run (resume, restore or boot). */
  private waiting = 0;
  private deepTimer?: NodeJS.Timeout;
  private readonly pageOut: PageOutTimer;
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;
  private lastTraffic = 0;

  constructor(
    private readonly app: AppState,
    private readonly vm: MachineDriver,
    private readonly snapshots: SnapshotFiles,
    /** Asks for a cold boot (queued after the current transition): the snapshot cannot be restored. */
    private readonly coldBoot: () => void,
    /** The first retry of a failed suspend, the page-out delay and the wait for the guest's clock. */
    private readonly timing: Pick<LifecycleTiming, 'suspendRetryMs' | 'pageOutAfterMs' | 'guestClockWaitMs'>,
    /** Where a deep snapshot's pages identical to other apps' of its image are shared. */
    private readonly memoryBases?: ImageMemoryBases,
  ) {
    const onIdle = () => void this.suspend('idle').catch((err: Error) => this.app.system(`suspend failed: ${err.message}`));
    this.pageOut = new PageOutTimer(app, vm, snapshots.memoryFile, timing.pageOutAfterMs);
    this.idle = new IdleTracker((flashSettings(app.spec)?.timeout ?? 1) * 1000, trackingByService(app.spec), onIdle);
  }

  /** Takes the timeout and connection tracking of a changed spec. */
  configure(): void {
    this.idle.configure(flashSettings(this.app.spec)?.timeout ?? 1, trackingByService(this.app.spec));
    if (this.app.record.state === 'suspended') this.scheduleDeep();
  }

  /** After a live change of the running machine: idle watching follows the mode. */
  followMode(): void {
    const flash = flashSettings(this.app.spec);
    if (flash && this.app.record.state === 'ready') this.idle.start();
    if (!flash) this.idle.stop();
  }

  /** Stops watching for idleness (the machine stops or is gone). */
  stop(): void {
    this.idle.stop();
    clearTimeout(this.deepTimer);
    this.pageOut.cancel();
    clearTimeout(this.retryTimer);
  }

  /** The daemon started and found the app suspended with a snapshot that may be restored: no QEMU runs. */
  restoredDeep(): void {
    this.app.recordDeepSuspend(true);
  }

  setLocks(count: number): void {
    this.idle.setLocks(count);
  }

  /** The flash stats for AppStatus; undefined in regular mode. */
  status(): FlashStats | undefined {
    if (!flashSettings(this.app.spec)) return undefined;
    const awake = this.idle.awake();
    if (!awake.lastTrafficAt && this.lastTraffic) awake.lastTrafficAt = new Date(this.lastTraffic).toISOString();
    const suspended = this.app.record.state === 'suspended' && this.app.record.snapshot;
    return {
      ...this.app.record.flash,
      locksHeld: this.idle.locksHeld,
      connections: this.idle.openConnections,
      ...(suspended ? { snapshotBytes: this.snapshots.diskBytes() } : {}),
      awake,
    };
  }

  readonly gate: ConnectionGate = {
    open: async (conn: TrackedConnection) => {
      const queued = this.app.record.state !== 'ready';
      if (queued && this.waiting >= WAKE_QUEUE) throw new Error(`${WAKE_QUEUE} connections already wait for the machine; refused`);
      this.idle.add(conn);
      if (queued) this.waiting++;
      try {
        await this.runnable();
        const port = this.vm.forwards[conn.service];
        if (port === undefined) throw new Error(`service ${conn.service} is not forwarded`);
        return port;
      } catch (err) {
        this.idle.remove(conn);
        throw err;
      } finally {
        if (queued) this.waiting--;
      }
    },
    activity: () => (this.app.record.state === 'suspended' || this.app.record.state === 'suspending' ? this.runnable() : undefined),
    close: (conn: TrackedConnection) => {
      this.lastTraffic = Math.max(this.lastTraffic, conn.lastActivity);
      this.idle.remove(conn);
    },
  };

  /** Resolves once the machine runs: resumes a suspended one, waits for a booting one. */
  private async runnable(): Promise<void> {
    const deadline = Date.now() + CONNECT_WAIT_MS;
    for (;;) {
      const { state, message } = this.app.record;
      if (this.app.deleted) throw new Error(`app ${this.app.id} was deleted`);
      if (state === 'ready') return;
      if (state === 'suspended' || state === 'suspending') {
        await this.resume('connection');
        continue;
      }
      if (state === 'error' || state === 'stopped') throw new Error(`app ${this.app.id} is ${state}${message ? `: ${message}` : ''}`);
      if (Date.now() > deadline) throw new Error(`app ${this.app.id} did not become ready in time (${state})`);
      await this.app.stateChange(1000);
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

  /** The flash trigger fired: the app is ready and is suspended right away, unless something keeps it awake. */
  async triggered(reason: string): Promise<void> {
    this.app.system(`flash trigger fired (${reason}): taking the flash snapshot`);
    this.app.setState('ready');
    await this.suspend('flash snapshot').catch((err: Error) => this.app.system(`flash snapshot failed: ${err.message}`));
  }

  /** Pauses the machine and persists its snapshot; refused while anything keeps it awake. A failure leaves it running. */
  suspend(why: string, force = false): Promise<void> {
    return this.app.serialise(async () => {
      const machine = this.vm.running;
      if (!machine || this.app.record.state !== 'ready' || !flashSettings(this.app.spec)) return;
      if (!force && this.idle.busy()) {
        this.idle.start();
        return;
      }
      this.idle.stop();
      clearTimeout(this.retryTimer);
      this.app.setState('suspending');
      const started = Date.now();
      try {
        await machine.pause();
        await this.snapshots.save(machine, this.vm.machineGeneration, this.vm.forwards);
      } catch (err) {
        await this.suspendFailed(machine, why, err as Error);
        if (force) throw err;
        return;
      }
      this.failures = 0;
      this.app.recordSuspend();
      this.app.system(`suspended (${why}) in ${Date.now() - started} ms`);
      this.scheduleDeep();
      this.pageOut.arm();
    });
  }

  /** The app keeps running, says why in `app get`, and the suspend is tried again with backoff. */
  private async suspendFailed(machine: RunningMachine, why: string, err: Error): Promise<void> {
    const retryMs = this.nextRetryMs();
    // A half-written snapshot is no snapshot.
    this.snapshots.drop();
    try {
      await machine.resume();
    } catch {
      // QEMU is gone: its exit handler reports the crash
    }
    if (!machine.running) return;
    this.app.recordSuspendError(err.message, retryMs);
    this.app.setState('ready');
    this.app.system(`suspend (${why}) failed, the app keeps running; retrying in ${retryMs / 1000}s: ${err.message}`);
    this.retryTimer = setTimeout(() => void this.suspend('retry').catch((err: Error) => this.app.system(`suspend (retry) failed: ${err.message}`)), retryMs);
  }

  /** One more failure in a row: the backoff before the next try. */
  private nextRetryMs(): number {
    this.failures++;
    return Math.min(this.timing.suspendRetryMs * 2 ** (this.failures - 1), RETRY_MAX_MS);
  }

  /** Arms the deep suspend for `deep-suspend-after` seconds after the suspend began (or `inMs`). */
  private scheduleDeep(inMs?: number): void {
    clearTimeout(this.deepTimer);
    const after = deepSuspendAfter(this.app.spec.mode);
    const flash = this.app.record.flash;
    if (!after || flash.deep || this.app.record.state !== 'suspended') return;
    const since = Date.parse(flash.suspendedSince ?? '') || Date.now();
    const due = inMs ?? Math.max(0, since + after * 1000 - Date.now());
    this.deepTimer = setTimeout(
      () =>
        void this.deepSuspend(`suspended for ${after} s (deep-suspend-after)`).catch((err: Error) => this.app.system(`deep suspend failed: ${err.message}`)),
      due,
    );
  }

  /** While suspended with its QEMU kept (and allowed to go deep): what the host's memory pressure may deep-suspend. */
  pressureCandidate(): PressureCandidate | undefined {
    const { state, flash, snapshot } = this.app.record;
    if (state !== 'suspended' || flash.deep || !snapshot || !this.vm.running || !deepSuspendAfter(this.app.spec.mode)) return undefined;
    const suspendedAt = Date.parse(flash.suspendedSince ?? '') || 0;
    return { suspendedAt, pagedOut: flash.pagedOutSince !== undefined, deepSuspendNow: (why) => this.deepSuspendNow(why) };
  }

  /** Deep-suspends now, ahead of `deep-suspend-after` (the host's memory pressure); false when it cannot. */
  async deepSuspendNow(why: string): Promise<boolean> {
    if (!this.pressureCandidate() || this.idle.liveConnections > 0) return false;
    await this.deepSuspend(why);
    return this.app.record.flash.deep === true;
  }

  /** Makes the snapshot durable and lets QEMU exit: the app keeps no host memory but its bookkeeping. */
  private deepSuspend(why: string): Promise<void> {
    return this.app.serialise(async () => {
      const machine = this.vm.running;
      if (this.app.record.state !== 'suspended' || !machine || !this.app.record.snapshot || this.app.record.flash.deep) return;
      // An open (idle, traffic-aware) connection is wired to this QEMU: it would break.
      if (this.idle.liveConnections > 0) return this.scheduleDeep(DEEP_RECHECK_MS);
      clearTimeout(this.deepTimer);
      const started = Date.now();
      let slimmed: string;
      // The guest runs to hand memory back: its pages come in again.
      this.app.forgetPagedOut();
      try {
        const retake = () => this.snapshots.save(machine, this.vm.machineGeneration, this.vm.forwards);
        slimmed = await slimSnapshot(machine, () => this.snapshots.drop(), retake);
      } catch (err) {
        // The guest ran and no snapshot stands for it: it keeps running, and suspends again later.
        return this.suspendFailed(machine, 'deep suspend', err as Error);
      }
      this.app.system(slimmed);
      try {
        this.snapshots.makeDurable();
      } catch (err) {
        const retryMs = this.nextRetryMs();
        this.app.recordSuspendError((err as Error).message, retryMs);
        this.app.system(`deep suspend failed, the app stays suspended in memory; retrying in ${retryMs / 1000}s: ${(err as Error).message}`);
        this.pageOut.arm();
        return this.scheduleDeep(retryMs);
      }
      this.failures = 0;
      await this.endQemu(why, started);
    });
  }

  /** The snapshot is durable: QEMU goes, and the memory file is made smaller on disk. */
  private async endQemu(why: string, started: number): Promise<void> {
    await this.vm.kill();
    await shrinkOnDisk(this.app, this.snapshots.memoryFile, this.memoryBases);
    this.app.recordDeepSuspend(false, why);
    const mib = (this.snapshots.diskBytes() / 2 ** 20).toFixed(1);
    this.app.system(`deep-suspended (${why}; snapshot durable, ${mib} MiB on disk; qemu exited) in ${Date.now() - started} ms`);
  }

  /** Deep-suspends now, the caller holding the app's queue; not slimmed: a layer of its disk was just frozen, the guest must not run. */
  async deepSuspendHeld(why: string): Promise<void> {
    if (this.app.record.state !== 'suspended' || !this.vm.running || !this.app.record.snapshot) return;
    clearTimeout(this.deepTimer);
    this.pageOut.cancel();
    this.snapshots.makeDurable();
    await this.endQemu(why, Date.now());
  }

  resume(why: string): Promise<void> {
    return this.app.serialise(async () => {
      // A deleted app (or one handed to another host) is never woken from its old snapshot.
      if (this.app.deleted || this.app.record.state !== 'suspended') return;
      clearTimeout(this.deepTimer);
      this.pageOut.cancel();
      const pagedOut = this.app.record.flash.pagedOutSince !== undefined;
      const started = process.hrtime.bigint();
      const kind: ResumeKind = this.vm.running ? 'memory' : 'deep';
      let machine = this.vm.running;
      if (!machine) {
        const checked = this.snapshots.check();
        if ('reason' in checked) return this.abandonSnapshot(checked.reason);
        try {
          machine = await this.vm.restore(this.snapshots);
        } catch (err) {
          await this.vm.kill();
          return this.abandonSnapshot(`the restore failed: ${(err as Error).message}`);
        }
      }
      const restored = process.hrtime.bigint();
      // The snapshot is stale the moment the guest runs: never restore it over newer volume data.
      this.snapshots.drop();
      await machine.resume();
      const continued = process.hrtime.bigint();
      await setGuestClock(this.app, machine, this.timing.guestClockWaitMs);
      const clocked = process.hrtime.bigint();
      // Services may have come or gone while it slept.
      this.vm.pushServices();
      const ms = Math.round((Number(process.hrtime.bigint() - started) / 1e6) * 100) / 100;
      this.app.recordResume(kind, ms);
      this.app.setState('ready');
      const part = (from: bigint, to: bigint) => (Number(to - from) / 1e6).toFixed(1);
      // From deep suspend, where the time went (the restore's own parts are in its line before this one).
      const parts =
        kind === 'deep' ? ` (restore ${part(started, restored)} ms, cont ${part(restored, continued)} ms, clock ${part(continued, clocked)} ms)` : '';
      const from = kind === 'deep' ? ', from deep suspend' : pagedOut ? ', paged out' : '';
      this.app.system(`resumed (${why}${from}) in ${ms.toFixed(1)} ms${parts}`);
      this.idle.start();
    });
  }

  /** The snapshot must not be restored: say why, forget it and boot cold (waiting connections wait for the boot). */
  private abandonSnapshot(reason: string): void {
    this.app.system(`cold boot instead of restoring the snapshot: ${reason}`);
    this.snapshots.drop();
    this.app.clearSuspended();
    this.app.setState('idle', `cold boot: ${reason}`);
    this.coldBoot();
  }
}
