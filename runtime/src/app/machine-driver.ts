// What the app's lifecycle (controller, flash control, snapshot files) needs of
// a machine, and nothing of how it is made: the daemon passes the QEMU driver
// (qemu-machine.ts), the lifecycle tests an in-memory one (testing/).
//
// Snapshot persistence stays on this side of the seam: a machine only writes and
// reads its device state (saveSnapshot/loadSnapshot); the header, its checksums
// and the volume and generation checks are SnapshotFiles' on real files. Those
// checks decide whether a wake restores or boots cold, so the lifecycle tests
// run them as the daemon does, in a temporary directory.
import type { EventEmitter } from 'node:events';
import type { MachineState } from '../../../schema/src/types';
import type { InternalServices } from '../proxy/internal-services';
import type { Frame, VolumeUsage } from '../vm/channel';
import type { MemoryReclaim } from '../vm/memory-file';
import type { PageOut } from '../vm/page-out';
import type { OptionalDevice } from '../vm/qemu-command';
import type { AppState, SnapshotInfo } from './app-state';

/** One started machine, from its start until it exits. */
export interface RunningMachine {
  /** False once the machine has exited. */
  readonly running: boolean;
  /** The optional devices it was started with (a snapshot of it restores only with the same). */
  readonly devices: readonly OptionalDevice[];
  /** Pauses the vCPUs (suspend). */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Sets the guest's wall clock from the host's (after a resume); rejects if the guest does not confirm within `timeoutMs`. */
  syncClock(timeoutMs?: number): Promise<void>;
  /** Writes the device state of the paused machine to `file` (atomically). */
  saveSnapshot(file: string): Promise<void>;
  /** Loads `file` into a machine started to receive it; it stays paused. */
  loadSnapshot(file: string): Promise<void>;
  /** The running guest hands back the memory it does not need (before a deep snapshot); throws if it cannot. */
  reclaimMemory(): Promise<MemoryReclaim>;
  /** The paused guest's RAM written back to its memory file and dropped from host memory; the process stays. */
  pageOutMemory(): Promise<PageOut>;
  /** Grows the mounted volume on disk `serial` online; resolves with the filesystem's new size. */
  growVolume(serial: string, bytes: number): Promise<number>;
  /** Switches disk `serial` to an existing qcow2 overlay over its current bytes (a volume layer is frozen). */
  snapshotDisk(serial: string, overlay: string): Promise<void>;
  /** Pulls disk `serial`'s backing chain into its top file (a volume's chain is flattened online). */
  streamDisk(serial: string): Promise<void>;
  /** The guest's df of its volumes. */
  volumeUsage(): Promise<VolumeUsage[]>;
  /** A frame on the control channel to the guest agent. */
  send(type: number, channel: number, payload?: Buffer | string): void;
  /** A new exec channel whose guest frames go to `onFrame`. */
  openExecChannel(onFrame: (frame: Frame) => void): { channel: number; close: () => void };
}

/** How a boot reports its progress and learns that it is no longer wanted. */
export interface BootProgress {
  state(state: MachineState, message?: string): void;
  /** Throws when the boot is cancelled. */
  check(): void;
}

/** Where a restore takes the snapshot from (flash/snapshot-files.ts). */
export interface SnapshotSource {
  /** The snapshot if it may be restored now. */
  usable(): SnapshotInfo | undefined;
  /** Loads it into a machine started to receive it. */
  load(machine: RunningMachine): Promise<void>;
}

export interface MachineDriverEvents {
  /** The guest's readiness (or flash) trigger fired. */
  ready: [reason: string];
  /** The app's process ended while nobody was stopping it. */
  exited: [machine: RunningMachine, how: string];
  /** The machine went away while nobody was stopping it. */
  crashed: [code: number | null];
  /** The number of flash locks the guest holds (queries in flight). */
  locks: [count: number];
}

/**
 * The app's one machine: at most one runs at a time; only the current one's
 * events are passed on, so a replaced or stopping machine cannot move the app.
 */
export interface MachineDriver extends EventEmitter<MachineDriverEvents> {
  /** The last machine started, until it is stopped or crashes. */
  readonly current: RunningMachine | undefined;
  readonly running: RunningMachine | undefined;
  /** The record's machine generation the current machine belongs to. */
  readonly machineGeneration: number;
  /** The host port forwarded to each service's guest port. */
  readonly forwards: Readonly<Record<string, number>>;
  /** What the machine runs on (AppStatus.accel). */
  readonly accel: string;
  /** Boots a new machine for `machineGeneration`; the caller has reported `pulling-image`. */
  boot(machineGeneration: number, progress: BootProgress): Promise<RunningMachine>;
  /** A new machine from the persisted snapshot (a wake from deep suspend). */
  restore(snapshots: SnapshotSource): Promise<RunningMachine>;
  /** Forwards a service added by a live change to the running machine. */
  addForward(key: string, guestPort: number): Promise<void>;
  /** Stops the machine cleanly: the app gets its stop signal. */
  stop(): Promise<void>;
  /** Ends the machine at once: for a suspended one, whose state is in its snapshot. */
  kill(): Promise<void>;
  /** Sends the running guest the internal services it may reach. */
  pushServices(): void;
  /** The app is deleted: whatever the driver keeps outside the app's directory goes. */
  removeSockets(): void;
}

/** What the app manager shares with every app's machine. */
export interface MachineContext {
  internal: InternalServices;
  /** `namespace/name` of another running app that has this volume attached writeable. */
  volumeUser: (volume: string, except: string) => string | undefined;
}

/** Makes the machine driver of one app. */
export type MachineDriverFactory = (app: AppState, context: MachineContext) => MachineDriver;
