// What an app's controller is given: the runtime's shared parts, the machine
// driver factory, and the waits of the lifecycle (the daemon's by default).
import type { StateStore } from '../state/store';
import type { AppRecord } from './app-record';
import type { BranchVolume } from './fork';
import type { VolumeLookup } from './machine-config';
import type { MachineContext, MachineDriverFactory } from './machine-driver';
import type { ImageMemoryBases } from '../vm/shared-pages';

/** Waits of the lifecycle, shortened by tests; the defaults are the daemon's. */
export interface LifecycleTiming {
  /** How long a machine may boot before it is declared ready without a readiness signal. */
  bootDeadlineMs: number;
  /** The backoff before the first restart (restart-policy.ts); it doubles with each recent failure. */
  restartBackoffMs: number;
  /** The first retry of a failed suspend (flash-control.ts); it doubles up to a minute. */
  suspendRetryMs: number;
  /** How long a suspended machine keeps its guest RAM resident before it is paged out (0 = never; flash-control.ts). */
  pageOutAfterMs: number;
  /**
   * How long a wake waits for the guest to confirm its clock before serving (flash-control.ts).
   * A host busy with many wakes delays the answer; past this the connection is served anyway.
   */
  guestClockWaitMs: number;
}

export interface AppDeps extends MachineContext {
  home: string;
  volume: VolumeLookup['volume'];
  store: StateStore<AppRecord>;
  log: (line: string) => void;
  /** Makes the app's machine: QEMU in the daemon. */
  machines: MachineDriverFactory;
  timing?: Partial<LifecycleTiming>;
  /** Branches a volume for a fork (the volume manager's); absent, forks are refused. */
  branchVolume?: BranchVolume;
  /** Deletes the volumes an app owns (a fork's branches) once the app is gone. */
  deleteOwnedVolumes?: (app: string) => Promise<void>;
  /** Shares deep-suspended apps' identical memory pages per image; absent, nothing is shared. */
  memoryBases?: ImageMemoryBases;
}

export const DEFAULT_TIMING: LifecycleTiming = {
  bootDeadlineMs: Number(process.env.LTTLE_BOOT_DEADLINE_MS ?? 300_000),
  restartBackoffMs: 1000,
  suspendRetryMs: 1000,
  pageOutAfterMs: 10_000,
  guestClockWaitMs: 30_000,
};
