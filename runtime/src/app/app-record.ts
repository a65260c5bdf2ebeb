// The persisted record of an app, and the migration of records an older lttled
// wrote: they are read as they are and brought up to date where they are loaded.
import type { AppSpec, FlashStats, MachineState } from '../../../schema/src/types';
import type { OptionalDevice } from '../vm/qemu-command';

/** The snapshot taken at the last suspend, and what it belongs to. */
export interface SnapshotInfo {
  /** The machine generation it was taken of: it fits only that overlay. */
  machineGeneration: number;
  takenAt: string;
  /** The host ports forwarded to the guest: a restored machine must use the same ones. */
  forwards: Record<string, number>;
  /** The optional devices of the machine it was taken of (qemu-command.ts); absent before they existed: none. */
  devices?: OptionalDevice[];
}

export interface AppRecord {
  spec: AppSpec;
  /** Bumped when a change needs a new machine (names the overlay and the snapshot it belongs to). */
  machineGeneration: number;
  /** Bumped by every accepted change of the spec (AppStatus.generation). */
  specGeneration: number;
  /** The last spec generation the controller acted on (AppStatus.observedGeneration). */
  observedGeneration: number;
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

/**
 * A record as versions before the machine generation's rename wrote it: `generation`
 * was the machine's, and `specGeneration`/`observedGeneration` fell back to it when unset.
 */
export type LegacyAppRecord = Omit<AppRecord, 'machineGeneration' | 'specGeneration' | 'observedGeneration' | 'snapshot'> & {
  generation: number;
  specGeneration?: number;
  observedGeneration?: number;
  snapshot?: Omit<SnapshotInfo, 'machineGeneration'> & { generation: number };
};

/** The record in today's shape, whichever version wrote it; an up-to-date one is returned as is. */
export function migrateRecord(stored: AppRecord | LegacyAppRecord): AppRecord {
  if (!('generation' in stored)) return stored;
  const { generation, specGeneration, observedGeneration, snapshot, ...rest } = stored;
  return {
    ...rest,
    machineGeneration: generation,
    // What the status showed before: the machine generation stood in for both.
    specGeneration: specGeneration ?? generation,
    observedGeneration: observedGeneration ?? generation,
    ...(snapshot ? { snapshot: { machineGeneration: snapshot.generation, takenAt: snapshot.takenAt, forwards: snapshot.forwards } } : {}),
  };
}
