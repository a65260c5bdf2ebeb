// One app's life: image → volumes → machine → ready, restarts by policy, redeploys
// on change, in flash mode suspend on idle / resume on connect. This class decides
// when; its parts do the work: app-state, the machine driver, flash-control,
// snapshot-files, service-listeners, internal-services, restart-policy.
import * as fs from 'node:fs';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import { diffApp } from '../../../schema/src/diff';
import type { AppSpec, AppStatus, MachineState, VolumeUsageStatus } from '../../../schema/src/types';
import { machineDir } from './qemu-machine';
import { AppState, type AppRecord } from './app-state';
import { DEFAULT_TIMING, type AppDeps, type LifecycleTiming } from './app-deps';
import type { MachineDriver, RunningMachine } from './machine-driver';
import type { ServiceApp } from '../proxy/internal-services';
import { flashSettings } from '../../../schema/src/normalize';
import { FlashControl } from '../flash/flash-control';
import type { PressureCandidate } from '../flash/memory-pressure';
import type { LogStore } from './log-store';
import { Restarts } from './restart-policy';
import { serviceStatus, ServiceListeners } from '../proxy/service-listeners';
import { SnapshotFiles, volumeIdentities } from '../flash/snapshot-files';
import { usageStatus } from './volume-usage';
import { handOver, whileSuspended, withVolumeDisk, type HeldMachine } from './held-machine';
import { CHAIN_BOUND } from '../volume/volume-chain';

class Cancelled extends Error {}

export class AppController implements ServiceApp {
  private readonly app: AppState;
  private readonly vm: MachineDriver;
  private readonly snapshots: SnapshotFiles;
  private readonly flash: FlashControl;
  private readonly listeners: ServiceListeners;
  private readonly restarts: Restarts;
  private readonly timing: LifecycleTiming;
  private bootAbort?: AbortController;
  private bootDeadline?: NodeJS.Timeout;
  private destroying = false; // set before destroy() queues: nothing queued ahead of it boots
  /** The guest's last df of its volumes, and those already warned about as nearly full. */
  private usage: VolumeUsageStatus[] = [];
  private readonly warnedFull = new Set<string>();
  /** Set by the manager: called when restart-policy `remove` deletes the app. */
  removeRequested?: () => void;

  constructor(
    record: AppRecord,
    private readonly deps: AppDeps,
  ) {
    this.app = new AppState(record, machineDir(deps.home, record.spec.namespace, record.spec.name), deps.store);
    this.timing = { ...DEFAULT_TIMING, ...deps.timing };
    this.restarts = new Restarts(this.timing.restartBackoffMs);
    this.vm = deps.machines(this.app, { internal: deps.internal, volumeUser: deps.volumeUser });
    this.snapshots = new SnapshotFiles(this.app, () => volumeIdentities(this.spec.volumes, deps.volume));
    this.flash = new FlashControl(this.app, this.vm, this.snapshots, () => this.kick(), this.timing, deps.memoryBases);
    this.listeners = new ServiceListeners(this.app, this.flash.gate, deps.log);
    this.vm.on('ready', (reason) => void this.onReady(reason));
    this.vm.on('locks', (count) => this.flash.setLocks(count));
    this.vm.on('exited', (machine, how) => void this.onAppExit(machine, how));
    this.vm.on('crashed', (code) => this.onCrash(code));
  }

  get spec(): AppSpec {
    return this.app.spec;
  }

  get id(): string {
    return this.app.id;
  }

  get logs(): LogStore {
    return this.app.logs;
  }

  /** True while a machine for this app exists (booting, running or suspended). */
  get active(): boolean {
    return Boolean(this.vm.running) || this.app.record.state === 'suspended';
  }

  get runningMachine(): RunningMachine | undefined {
    return this.vm.running;
  }

  status(): AppStatus {
    const r = this.app.record;
    const flash = this.flash.status();
    return {
      spec: r.spec,
      state: r.state,
      ...(r.message ? { message: r.message } : {}),
      ...(r.accel ? { accel: r.accel } : {}),
      services: serviceStatus(this.spec, r.hostPorts),
      ...(flash ? { flash } : {}),
      ...(this.vm.running && this.usage.length ? { volumes: this.usage } : {}),
      generation: r.specGeneration,
      observedGeneration: r.observedGeneration,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    };
  }

  serveInternal = (key: string, socket: Socket, client: string): boolean => this.listeners.serve(key, socket, client);

  pushServices(): void {
    if (!['suspended', 'suspending'].includes(this.app.record.state)) this.vm.pushServices(); // else at its resume
  }

  // ---- desired state ----
  /** Applies a new spec: redeploys for machine-level changes, applies the rest live. */
  async apply(spec: AppSpec): Promise<void> {
    const plan = diffApp(this.spec, spec);
    if (plan.action === 'none') return;
    this.app.acceptSpec(spec, plan.redeploy);
    this.flash.configure();
    await this.listeners.sync();
    if (!plan.redeploy && this.vm.running) {
      for (const [key, expose] of Object.entries(spec.expose)) {
        if (this.vm.forwards[key] === undefined) await this.vm.addForward(key, expose.port);
      }
      this.flash.followMode();
    }
    if (!plan.redeploy) this.app.observe();
    this.kick();
  }

  /** Starts what the record says should run (after create, apply or a daemon restart). */
  async start(): Promise<void> {
    await this.listeners.sync();
    const state = this.app.record.state;
    if (state === 'suspended' || state === 'suspending') {
      // No QEMU survives a daemon restart: the app is deep-suspended now. A save cut short is no snapshot.
      const checked = state === 'suspending' ? { reason: 'lttled stopped while the snapshot was being saved' } : this.snapshots.check();
      if ('info' in checked) {
        this.flash.restoredDeep();
        this.app.system('suspended machine waits for a connection (deep: persisted snapshot)');
        return;
      }
      this.app.system(`cold boot instead of restoring the snapshot: ${checked.reason}`);
      this.snapshots.drop();
      this.app.clearSuspended();
    }
    if (state === 'stopped' || state === 'error') return;
    this.kick();
  }

  /** Reconciles in the background: boots or replaces the machine when its machine generation is stale. */
  private kick(): void {
    void this.app
      .serialise(async () => {
        if (this.app.deleted || this.destroying) return;
        const machineGeneration = this.app.record.machineGeneration;
        if (this.vm.running && this.vm.machineGeneration === machineGeneration) return this.app.observe();
        // Deep-suspended with a snapshot of this machine generation: the next wake restores it.
        if (!this.vm.running && this.app.record.state === 'suspended' && this.snapshots.usable()) return this.app.observe();
        if (!this.vm.running && this.app.record.snapshot) {
          if (this.app.record.state === 'suspended')
            this.app.system(`discarding the deep-suspend snapshot: the machine changed (machine generation ${machineGeneration})`);
          this.snapshots.drop();
          this.app.clearSuspended();
        }
        if (this.vm.running) {
          this.app.setState('restarting');
          this.app.observe();
          this.app.system(`replacing the machine for a changed spec (machine generation ${machineGeneration})`);
          await this.stopMachine('restarting');
          this.snapshots.drop();
          this.app.clearSuspended();
        }
        await this.boot();
      })
      .catch((err: Error) => {
        if (err instanceof Cancelled) return;
        this.deps.log(`app ${this.id}: ${err.stack ?? err.message}`);
        this.app.setState('error', err.message);
        this.app.system(`error: ${err.message}`);
      });
  }

  // ---- the machine ----
  private async boot(): Promise<void> {
    const abort = new AbortController();
    this.bootAbort = abort;
    const machineGeneration = this.app.record.machineGeneration;
    this.app.setState('pulling-image', `resolving ${this.spec.image}`);
    this.app.observe();
    const machine = await this.vm.boot(machineGeneration, {
      state: (state, message) => this.app.setState(state, message),
      check: () => {
        if (abort.signal.aborted || this.app.deleted || this.destroying) throw new Cancelled('boot cancelled');
        // A redeploy while this boot waits (for a volume) queued a newer spec: boot that one instead.
        if (this.app.record.machineGeneration !== machineGeneration) throw new Cancelled('superseded by a newer spec');
      },
    });
    this.app.setAccel(this.vm.accel);
    this.bootDeadline = setTimeout(() => {
      // A stop or delete that came meanwhile owns the app now (its directory may be gone).
      if (abort.signal.aborted || this.app.deleted || this.vm.current !== machine || this.app.record.state !== 'booting') return;
      const why = `no readiness signal within ${this.timing.bootDeadlineMs / 1000}s${flashSettings(this.spec) ? ' (flash trigger did not fire; running without a snapshot)' : ''}`;
      this.app.system(why);
      this.app.setState('ready', why);
    }, this.timing.bootDeadlineMs);
  }

  private async onReady(reason: string): Promise<void> {
    clearTimeout(this.bootDeadline);
    this.app.logs.flush();
    if (flashSettings(this.spec)) return this.flash.triggered(reason);
    this.app.system(`ready (${reason})`);
    this.app.setState('ready');
  }

  private async onAppExit(machine: RunningMachine, how: string): Promise<void> {
    this.app.logs.flush();
    this.app.system(`app process ended (${how})`);
    const policy = this.spec['restart-policy'];
    await this.app.serialise(async () => {
      if (this.vm.current !== machine) return;
      await this.stopMachine('stopping');
      const next = this.restarts.afterExit(policy, how);
      this.app.setState(next.state, next.message);
      if (next.state !== 'restarting') {
        if (next.remove) this.removeRequested?.();
        return;
      }
      await new Promise((r) => setTimeout(r, next.backoffMs));
      if (this.app.deleted) return;
      await this.boot();
    });
  }

  private onCrash(code: number | null): void {
    this.flash.stop();
    this.app.system(`machine stopped unexpectedly (qemu exit code ${code})`);
    this.app.setState('error', `machine stopped unexpectedly (qemu exit code ${code}); see ${path.join(this.app.dir, 'qemu.log')}`);
  }

  /** Stops the machine, reporting `state` while it shuts down. */
  private async stopMachine(state: MachineState): Promise<void> {
    clearTimeout(this.bootDeadline);
    this.flash.stop();
    if (this.vm.running) this.app.setState(state);
    await this.vm.stop();
  }

  // ---- flash mode ----
  /** While suspended with its QEMU kept (and allowed to go deep): what the host's memory pressure may deep-suspend. */
  pressureCandidate(): PressureCandidate | undefined {
    return this.flash.pressureCandidate();
  }

  /** Pauses the machine and persists its snapshot; refused while anything keeps it awake. */
  suspend(why: string, force = false): Promise<void> {
    return this.flash.suspend(why, force);
  }

  resume(why: string): Promise<void> {
    return this.flash.resume(why);
  }

  /** Keeps the machine awake (an exec session) until the returned release is called. */
  hold(): Promise<() => void> {
    return this.flash.hold();
  }

  // ---- volumes ----
  /** Asks the guest for its volumes' df (only a ready machine: a suspended one stays paused); warns once per volume over 90%. */
  async refreshVolumeUsage(): Promise<VolumeUsageStatus[]> {
    const machine = this.vm.running;
    if (!machine || this.app.record.state !== 'ready' || !this.spec.volumes.length) return this.usage;
    this.usage = usageStatus(this.spec, await machine.volumeUsage());
    for (const u of this.usage) {
      if (u.warning && !this.warnedFull.has(u.volume)) {
        this.deps.log(`app ${this.id}: warning: ${u.warning}`);
        this.app.system(`warning: ${u.warning}`);
      }
      this.warnedFull[u.warning ? 'add' : 'delete'](u.volume);
    }
    return this.usage;
  }

  /**
   * Grows a volume this app mounts without a restart: a suspended machine is resumed
   * for it and suspended again. Undefined when no machine has the volume (grow offline).
   */
  async growVolume(namespace: string, name: string, bytes: number, growFile: () => void): Promise<number | undefined> {
    const index = this.spec.volumes.findIndex((v) => v.namespace === namespace && v.name === name);
    if (index < 0 || !this.active) return undefined;
    const wasSuspended = this.app.record.state === 'suspended';
    const release = await this.hold();
    let size: number;
    try {
      const machine = this.vm.running;
      if (!machine) return undefined;
      size = await this.app.serialise(async () => {
        growFile();
        return machine.growVolume(`vol${index}`, bytes);
      });
      this.app.system(`volume ${namespace}/${name} grown online to ${size} bytes`);
    } finally {
      release();
    }
    await this.refreshVolumeUsage().catch((err: Error) => this.app.system(`volume usage after growing ${namespace}/${name}: ${err.message}`));
    if (wasSuspended)
      await this.suspend('suspended again after growing a volume', true).catch((err: Error) => this.app.system(`suspend failed: ${err.message}`));
    return size;
  }

  /** Layer steps, forks and a fork's own snapshot header, in turn with the machine (held-machine.ts). */
  private readonly release = () => this.flash.deepSuspendHeld(CHAIN_BOUND);
  withVolumeDisk: HeldMachine['withVolumeDisk'] = (ns, name, work) => withVolumeDisk(this.app, this.vm, ns, name, work, this.release);
  whileSuspended: HeldMachine['whileSuspended'] = (work) =>
    whileSuspended(this.app, this.vm, this.snapshots, () => this.suspend('forked', true), work, this.release);
  adoptForkedSnapshot = (): void => this.snapshots.makeDurable();
  handOver: HeldMachine['handOver'] = (work) => handOver(this.app, this.vm, this.snapshots, { flash: this.flash, listeners: this.listeners }, work);

  /** Deletes the app: its machine, overlay, sockets and log. Never its volumes. */
  async destroy(): Promise<void> {
    this.destroying = true;
    this.bootAbort?.abort();
    await this.app.serialise(async () => {
      this.listeners.close();
      await this.stopMachine('stopping');
      this.app.forget();
      this.vm.removeSockets();
      fs.rmSync(this.app.dir, { recursive: true, force: true });
      // Connections still waiting for the machine learn that it is gone.
      this.app.emit('state', 'stopped');
    });
  }

  /** The daemon is stopping: suspended machines keep their snapshot, running ones are stopped cleanly. */
  async shutdownForDaemonStop(): Promise<void> {
    this.listeners.close();
    this.bootAbort?.abort();
    await this.app.serialise(async () => {
      if (this.app.record.state === 'suspended' && this.app.record.snapshot) {
        // Durable before QEMU goes: the host may not come back as it was.
        if (this.vm.running) this.snapshots.makeDurable();
        this.flash.stop(); // no deep suspend or page-out of a QEMU the daemon let go
        return this.vm.kill();
      }
      const wasRunning = Boolean(this.vm.running);
      await this.stopMachine('stopping');
      // Booted again when the daemon comes back.
      if (wasRunning) this.app.setState('idle', 'the runtime was stopped');
    });
  }
}
