// What the runtime knows of one app and the one place its state changes. Every
// change is persisted, so a restarted daemon knows where it was, and announced
// to whoever waits for the machine; transitions take turns on one queue.
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import type { AppSpec, FlashStats, MachineState, ResumeKind } from '../../../schema/src/types';
import type { StateStore } from '../state/store';
import type { AppRecord, SnapshotInfo } from './app-record';
import { LogStore } from './log-store';

export type { AppRecord, SnapshotInfo } from './app-record';

/** The record as the rest of the runtime sees it: it changes only through AppState's methods. */
export type AppRecordView = Readonly<Omit<AppRecord, 'flash' | 'hostPorts' | 'snapshot'>> & {
  readonly flash: Readonly<FlashStats>;
  readonly hostPorts: Readonly<Record<string, number>>;
  readonly snapshot?: Readonly<SnapshotInfo>;
};

export class AppState extends EventEmitter<{ state: [MachineState] }> {
  readonly logs: LogStore;
  /** Once set, nothing more is persisted or started for the app. */
  deleted = false;
  /** Serialises suspend/resume/boot/stop so a connection never races a transition. */
  private transitions: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly rec: AppRecord,
    /** The app's files: overlay, snapshot, memory, logs. */
    readonly dir: string,
    private readonly store: StateStore<AppRecord>,
  ) {
    super();
    this.logs = new LogStore(path.join(dir, 'app.log'));
  }

  get record(): AppRecordView {
    return this.rec;
  }

  get spec(): AppSpec {
    return this.rec.spec;
  }

  get id(): string {
    return `${this.spec.namespace}/${this.spec.name}`;
  }

  private persist(): void {
    if (this.deleted) return;
    this.rec.updatedAt = new Date().toISOString();
    this.store.put(this.spec.namespace, this.spec.name, this.rec);
  }

  setState(state: MachineState, message?: string): void {
    const changed = state !== this.rec.state || message !== this.rec.message;
    this.rec.state = state;
    this.rec.message = message;
    if (!changed) return;
    this.persist();
    this.emit('state', state);
  }

  /** The controller now acts on the current spec: states reported from here on describe it. */
  observe(): void {
    if (this.rec.observedGeneration === this.rec.specGeneration) return;
    this.rec.observedGeneration = this.rec.specGeneration;
    this.persist();
  }

  /** A changed spec is accepted; one that needs a new machine (`redeploy`) moves the machine generation on. */
  acceptSpec(spec: AppSpec, redeploy: boolean): void {
    this.rec.spec = spec;
    this.rec.specGeneration++;
    if (redeploy) this.rec.machineGeneration++;
    this.persist();
  }

  /** The accelerator the machine booted with. */
  setAccel(accel: string): void {
    this.rec.accel = accel;
    this.persist();
  }

  /** The host ports the service listeners took. */
  setHostPorts(ports: Record<string, number>): void {
    this.rec.hostPorts = { ...ports };
    this.persist();
  }

  /** The snapshot now on disk, or none (it was dropped). */
  setSnapshot(info: SnapshotInfo | undefined): void {
    if (!info && !this.rec.snapshot) return;
    this.rec.snapshot = info;
    this.persist();
  }

  /** The machine is suspended with a fresh snapshot: a failure of an earlier try is over. */
  recordSuspend(): void {
    const flash = this.rec.flash;
    flash.lastSuspendAt = flash.suspendedSince = new Date().toISOString();
    flash.deep = false;
    this.forgetPagedOut();
    delete flash.sharedMemoryBytes;
    delete flash.deepSince;
    delete flash.deepReason;
    delete flash.lastSuspendError;
    this.setState('suspended');
  }

  /** A suspend (or deep suspend) failed; it is tried again in `retryMs`. */
  recordSuspendError(message: string, retryMs: number): void {
    this.rec.flash.lastSuspendError = { at: new Date().toISOString(), message, retryInSeconds: retryMs / 1000 };
    this.persist();
  }

  /** The paused machine's guest RAM was written back and dropped from host memory. */
  recordPagedOut(residentBeforeBytes: number, residentAfterBytes: number): void {
    this.rec.flash.pagedOutSince = new Date().toISOString();
    this.rec.flash.pagedOut = { residentBeforeBytes, residentAfterBytes };
    this.persist();
  }

  /** No machine runs any more, the snapshot is durable (`recovered`: found so at the daemon's start). */
  recordDeepSuspend(recovered: boolean, why?: string): void {
    this.rec.flash.deep = true;
    this.forgetPagedOut();
    if (!recovered || !this.rec.flash.deepSince) this.rec.flash.deepSince = new Date().toISOString();
    if (why) this.rec.flash.deepReason = why;
    if (!recovered) delete this.rec.flash.lastSuspendError;
    this.persist();
  }

  /** The deep snapshot's memory file shares this many bytes with its image's base. */
  recordSharedMemory(bytes: number): void {
    this.rec.flash.sharedMemoryBytes = bytes;
    this.persist();
  }

  /** The machine runs again after a resume of `kind` that took `ms`. */
  recordResume(kind: ResumeKind, ms: number): void {
    const flash = this.rec.flash;
    const now = new Date().toISOString();
    flash.resumeCount++;
    flash.lastResumeAt = now;
    flash.lastResumeLatencyMs = ms;
    flash.resumes = { ...flash.resumes, [kind]: { count: (flash.resumes?.[kind]?.count ?? 0) + 1, lastLatencyMs: ms, lastAt: now } };
    this.clearSuspended();
  }

  /** The machine is gone or replaced: whatever suspend it was in is over. */
  clearSuspended(): void {
    this.forgetPagedOut();
    delete this.rec.flash.deep;
    delete this.rec.flash.sharedMemoryBytes;
    delete this.rec.flash.deepSince;
    delete this.rec.flash.deepReason;
    delete this.rec.flash.suspendedSince;
    this.persist();
  }

  /** The paused QEMU runs again (or is gone): nothing of it is paged out. */
  forgetPagedOut(): void {
    delete this.rec.flash.pagedOutSince;
    delete this.rec.flash.pagedOut;
  }

  /** A line of the runtime's own about this app, in its log. */
  system(line: string): void {
    this.logs.line('system', `lttle: ${line}`);
  }

  serialise<T>(work: () => Promise<T>): Promise<T> {
    const next = this.transitions.then(work, work);
    // The caller gets `next` with its failure; the chain only orders the next transition after it.
    this.transitions = next.catch(() => undefined);
    return next;
  }

  /** Resolves at the next state change, or after `ms` if none comes. */
  stateChange(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.once('state', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The app is deleted: its record goes, and nothing brings it back. */
  forget(): void {
    this.deleted = true;
    this.store.remove(this.spec.namespace, this.spec.name);
  }
}
