// What the runtime knows of one app and the one place its state changes. Every
// change is persisted, so a restarted daemon knows where it was, and announced
// to whoever waits for the machine; transitions take turns on one queue.
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import type { AppSpec, FlashStats, MachineState } from '../../../schema/src/types';
import type { StateStore } from '../state/store';
import { LogStore } from './log-store';

/** The snapshot taken at the last suspend, and what it belongs to. */
export interface SnapshotInfo {
  /** The machine generation it was taken of: it fits only that overlay. */
  generation: number;
  takenAt: string;
  /** The host ports QEMU forwarded: a restored machine must use the same ones. */
  forwards: Record<string, number>;
}

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
  /** Cleared before the machine runs again. */
  snapshot?: SnapshotInfo;
  accel?: string;
  createdAt: string;
  updatedAt: string;
}

export class AppState extends EventEmitter<{ state: [MachineState] }> {
  readonly logs: LogStore;
  /** Once set, nothing more is persisted or started for the app. */
  deleted = false;
  /** Serialises suspend/resume/boot/stop so a connection never races a transition. */
  private transitions: Promise<unknown> = Promise.resolve();

  constructor(
    readonly record: AppRecord,
    /** The app's files: overlay, snapshot, memory, logs. */
    readonly dir: string,
    private readonly store: StateStore<AppRecord>,
  ) {
    super();
    this.logs = new LogStore(path.join(dir, 'app.log'));
  }

  get spec(): AppSpec {
    return this.record.spec;
  }

  get id(): string {
    return `${this.spec.namespace}/${this.spec.name}`;
  }

  persist(): void {
    if (this.deleted) return;
    this.record.updatedAt = new Date().toISOString();
    this.store.put(this.spec.namespace, this.spec.name, this.record);
  }

  setState(state: MachineState, message?: string): void {
    const changed = state !== this.record.state || message !== this.record.message;
    this.record.state = state;
    this.record.message = message;
    if (!changed) return;
    this.persist();
    this.emit('state', state);
  }

  /** The controller now acts on the current spec: states reported from here on describe it. */
  observe(): void {
    if (this.record.observedGeneration === this.record.specGeneration) return;
    this.record.observedGeneration = this.record.specGeneration ?? this.record.generation;
    this.persist();
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
