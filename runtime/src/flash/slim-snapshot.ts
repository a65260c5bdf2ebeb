// Before a deep snapshot the guest runs for a moment to hand back the memory
// it does not need: its agent drops clean caches and free page reporting
// (virtio-balloon) punches the freed ranges out of the memory file, so the
// deep-suspended app costs its used memory on disk, not all it ever touched.
// The guest ran, so the snapshot taken at the suspend is stale: it is dropped
// before the guest runs and taken again after.
import type { RunningMachine } from '../app/machine-driver';

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/**
 * Hands back the paused machine's unneeded memory and leaves it paused with a
 * new snapshot (`retake`); resolves with what to log. A guest that cannot give
 * memory back is still snapshotted, and the line says why. Throws only when
 * the machine could not be paused or snapshotted again: the guest has run
 * and no snapshot stands for it.
 */
export async function slimSnapshot(machine: RunningMachine, dropSnapshot: () => void, retake: () => Promise<void>): Promise<string> {
  if (!machine.devices.includes('balloon'))
    return 'memory not handed back: the machine has no balloon device (restored from a snapshot taken without one); the memory file stays as it is';
  dropSnapshot();
  await machine.resume();
  let line: string;
  try {
    // It may have slept long: its timers should not see the time stand still.
    await machine.syncClock();
    const r = await machine.reclaimMemory();
    line = `memory handed back: ${mib(r.beforeBytes)} → ${mib(r.afterBytes)} MiB allocated in the memory file (guest free ${mib(r.guestFreeBytes)} MiB) in ${r.ms} ms`;
  } catch (err) {
    line = `memory not handed back (${(err as Error).message}); deep-suspending with the memory file as it is`;
  }
  await machine.pause();
  await retake();
  return line;
}
