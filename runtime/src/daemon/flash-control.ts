// Flash mode: a ready machine is suspended once idle (no counted connection, no
// flash lock) and resumed by the next connection. Every connection to a service
// passes the gate here first, so none reaches a paused or booting machine.
import { strategyName } from '../../../schema/src/normalize';
import type { AppSpec, ConnectionTracking, FlashStats } from '../../../schema/src/types';
import { IdleTracker } from '../flash/idle-tracker';
import type { ConnectionGate, TrackedConnection } from '../proxy/service-proxy';
import type { AppMachine } from './app-machine';
import type { AppState } from './app-state';
import type { SnapshotFiles } from './snapshot-files';

/** How long a new connection waits for a booting machine. */
const CONNECT_WAIT_MS = 300_000;

/** The app's flash settings; undefined in regular mode. */
export function flashSettings(spec: AppSpec): { strategy: string; timeout: number } | undefined {
  const mode = spec.mode;
  return mode === 'regular' ? undefined : { strategy: strategyName(mode.flash.strategy), timeout: mode.flash.timeout };
}

function trackingByService(spec: AppSpec): Record<string, ConnectionTracking> {
  return Object.fromEntries(Object.entries(spec.expose).map(([k, v]) => [k, v['connection-tracking']]));
}

export class FlashControl {
  private readonly idle: IdleTracker;

  constructor(
    private readonly app: AppState,
    private readonly vm: AppMachine,
    private readonly snapshots: SnapshotFiles,
  ) {
    const onIdle = () => void this.suspend('idle').catch((err: Error) => this.app.system(`suspend failed: ${err.message}`));
    this.idle = new IdleTracker((flashSettings(app.spec)?.timeout ?? 1) * 1000, trackingByService(app.spec), onIdle);
  }

  /** Takes the timeout and connection tracking of a changed spec. */
  configure(): void {
    this.idle.configure(flashSettings(this.app.spec)?.timeout ?? 1, trackingByService(this.app.spec));
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
  }

  setLocks(count: number): void {
    this.idle.setLocks(count);
  }

  /** The flash stats for AppStatus; undefined in regular mode. */
  status(): FlashStats | undefined {
    return flashSettings(this.app.spec) ? { ...this.app.record.flash, locksHeld: this.idle.locksHeld, connections: this.idle.openConnections } : undefined;
  }

  readonly gate: ConnectionGate = {
    open: async (conn: TrackedConnection) => {
      this.idle.add(conn);
      try {
        await this.runnable();
        const port = this.vm.forwards[conn.service];
        if (port === undefined) throw new Error(`service ${conn.service} is not forwarded`);
        return port;
      } catch (err) {
        this.idle.remove(conn);
        throw err;
      }
    },
    activity: () => (this.app.record.state === 'suspended' || this.app.record.state === 'suspending' ? this.runnable() : undefined),
    close: (conn: TrackedConnection) => this.idle.remove(conn),
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

  /** Pauses the machine and persists its snapshot; refused while anything keeps it awake. */
  suspend(why: string, force = false): Promise<void> {
    return this.app.serialise(async () => {
      const machine = this.vm.running;
      if (!machine || this.app.record.state !== 'ready' || !flashSettings(this.app.spec)) return;
      if (!force && this.idle.busy()) {
        this.idle.start();
        return;
      }
      this.idle.stop();
      this.app.setState('suspending');
      const started = Date.now();
      await machine.pause();
      await this.snapshots.save(machine, this.vm.generation, this.vm.forwards);
      this.app.record.flash.lastSuspendAt = new Date().toISOString();
      this.app.setState('suspended');
      this.app.system(`suspended (${why}) in ${Date.now() - started} ms`);
    });
  }

  resume(why: string): Promise<void> {
    return this.app.serialise(async () => {
      if (this.app.record.state !== 'suspended') return;
      const started = process.hrtime.bigint();
      const machine = this.vm.running ?? (await this.vm.restore(this.snapshots));
      // The snapshot is stale the moment the guest runs: never restore it over newer volume data.
      this.snapshots.drop();
      await machine.resume();
      await machine.syncClock();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const flash = this.app.record.flash;
      flash.resumeCount++;
      flash.lastResumeAt = new Date().toISOString();
      flash.lastResumeLatencyMs = Math.round(ms * 100) / 100;
      this.app.setState('ready');
      this.app.system(`resumed (${why}) in ${ms.toFixed(1)} ms`);
      this.idle.start();
    });
  }
}
