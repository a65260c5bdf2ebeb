// Work on an app's machine files that must not race its lifecycle: a volume
// layer step, or a fork copying a suspended app. Both run in the app's
// transition queue (AppState.serialise), so nothing boots, stops, suspends or
// resumes the machine meanwhile.
import { ConflictError } from '../../../schema/src/errors';
import { flashSettings } from '../../../schema/src/normalize';
import type { SnapshotFiles } from '../flash/snapshot-files';
import type { OpenDisk } from '../volume/volume-chain';
import type { AppRecord } from './app-record';
import type { AppState } from './app-state';
import type { ForkSource } from './fork';
import type { MachineDriver, RunningMachine } from './machine-driver';

/** What an app's controller offers of these (AppController). */
export interface HeldMachine {
  withVolumeDisk<T>(namespace: string, name: string, work: (open: OpenDisk | undefined) => Promise<T>): Promise<T>;
  whileSuspended<T>(work: (source: ForkSource) => Promise<T>): Promise<T>;
  handOver(work: (dir: string, record: AppRecord) => Promise<void>): Promise<void>;
}

/** What a hand-over drives of the app besides its state: suspends and its listeners. */
export interface HandOverParts {
  flash: { suspend(why: string, force: boolean): Promise<void>; deepSuspendNow(why: string): Promise<boolean> };
  listeners: { close(): void; sync(): Promise<void> };
}

/**
 * The volume at `index` of a machine as a layer step sees it open; `release`
 * for a suspended machine (OpenDisk.release).
 */
function openDisk(machine: RunningMachine, index: number, release?: () => Promise<void>): OpenDisk {
  const serial = `vol${index}`;
  return { switchTo: (overlay) => machine.snapshotDisk(serial, overlay), stream: () => machine.streamDisk(serial), ...(release ? { release } : {}) };
}

/**
 * Runs a volume layer step with the machine held still; a running machine's vCPUs are
 * paused around it (a suspended one stays as it is, its snapshot valid). `open` is
 * undefined when no QEMU has the volume.
 */
export async function withVolumeDisk<T>(
  app: AppState,
  vm: MachineDriver,
  namespace: string,
  name: string,
  work: (open: OpenDisk | undefined) => Promise<T>,
  /** Deep-suspends the suspended app in its queue, without slimming (OpenDisk.release). */
  release: () => Promise<void>,
): Promise<T> {
  const index = app.spec.volumes.findIndex((v) => v.namespace === namespace && v.name === name);
  // A boot waiting for a volume (or resolving its image before it waits) holds the queue
  // until the volume comes: refuse rather than wait with it.
  if (bootMayWait(app))
    throw new ConflictError(`app ${app.id}, which mounts volume ${namespace}/${name}, is ${stateWithReason(app)}; try again once it runs, or delete it`);
  return app.serialise(async () => {
    const machine = vm.running;
    if (index < 0 || !machine) return work(undefined);
    const pause = app.record.state !== 'suspended';
    if (pause) await machine.pause();
    try {
      return await work(openDisk(machine, index, pause ? undefined : release));
    } finally {
      if (pause && machine.running) await machine.resume();
    }
  });
}

/**
 * Runs `work` (a fork copying this app) with the app suspended and held still. A ready
 * app is suspended first (`suspend`); refused unless in flash mode with a valid snapshot.
 */
export async function whileSuspended<T>(
  app: AppState,
  vm: MachineDriver,
  snapshots: SnapshotFiles,
  suspend: () => Promise<void>,
  work: (source: ForkSource) => Promise<T>,
  /** Deep-suspends the suspended app in its queue, without slimming (OpenDisk.release). */
  release: () => Promise<void>,
): Promise<T> {
  if (!flashSettings(app.spec)) throw new ConflictError(`app ${app.id} is in regular mode: only a flash-mode app has a memory snapshot to fork`);
  // Checked before queuing: a boot in progress holds the queue, for ever if it waits for a volume.
  // A suspend under way (for a concurrent fork of the same app) ends in `suspended`: queue behind it.
  const { state } = app.record;
  if (state !== 'ready' && state !== 'suspending' && state !== 'suspended')
    throw new ConflictError(`app ${app.id} is ${stateWithReason(app)}: a fork needs it ready or suspended`);
  if (app.record.state === 'ready') await suspend();
  return app.serialise(async () => {
    const { state, snapshot } = app.record;
    const usable = snapshots.usable();
    if (state !== 'suspended' || !snapshot || !usable)
      throw new ConflictError(`app ${app.id} is ${state}: a fork needs it ready or suspended with a valid snapshot; try again once it is`);
    return work({
      spec: app.spec,
      dir: app.dir,
      machineGeneration: snapshot.machineGeneration,
      devices: usable.devices ?? [],
      // Asked per volume: a release for one ends the machine for the next.
      open: (i) => (vm.running ? openDisk(vm.running, i, release) : undefined),
    });
  });
}

/**
 * Hands the app to another host (app-move.ts): deep-suspended first (a ready or paused
 * machine is suspended and its QEMU let go), its listeners closed, then `work` with the
 * machine files held still. After a hand-over nothing wakes it here (it is forgotten);
 * a failure leaves it deep-suspended and listening again.
 */
export async function handOver(
  app: AppState,
  vm: MachineDriver,
  snapshots: SnapshotFiles,
  parts: HandOverParts,
  work: (dir: string, record: AppRecord) => Promise<void>,
): Promise<void> {
  const why = 'moving to another host';
  if (!flashSettings(app.spec)) throw new ConflictError(`app ${app.id} is in regular mode: only a flash-mode app moves (with its memory snapshot)`);
  if (app.record.state !== 'ready' && app.record.state !== 'suspended')
    throw new ConflictError(`app ${app.id} is ${stateWithReason(app)}: a move needs it ready or suspended`);
  if (app.record.state === 'ready') await parts.flash.suspend(why, true);
  if (vm.running && !(await parts.flash.deepSuspendNow(why))) throw new ConflictError(`app ${app.id} has open connections: a move waits until they close`);
  parts.listeners.close();
  try {
    await app.serialise(async () => {
      if (app.record.state !== 'suspended' || vm.running || !snapshots.usable())
        throw new ConflictError(`app ${app.id} is ${app.record.state}: a move needs it deep-suspended with a valid snapshot; try again`);
      await work(app.dir, app.record);
      // Handed over: a wake queued behind this finds the app gone, never its old snapshot.
      app.forget();
    });
  } catch (err) {
    await parts.listeners.sync();
    throw err;
  }
}

function bootMayWait(app: AppState): boolean {
  return app.record.state === 'waiting' || app.record.state === 'pulling-image';
}

/** The state with why, as `lttle app get` shows it: `waiting (waiting for volume ns/data)`. */
function stateWithReason(app: AppState): string {
  const { state, message } = app.record;
  return message ? `${state} (${message})` : state;
}
