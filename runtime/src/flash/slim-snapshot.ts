// Before a deep snapshot the guest runs for a moment to hand back the memory
// it does not need: its agent drops clean caches and free page reporting
// (virtio-balloon) punches the freed ranges out of the memory file, so the
// deep-suspended app costs its used memory on disk, not all it ever touched.
// The guest ran, so the snapshot taken at the suspend is stale: it is dropped
// before the guest runs and taken again after. Once QEMU has exited, the file
// is made smaller on disk still (shrinkOnDisk).
import * as path from 'node:path';
import type { RunningMachine } from '../app/machine-driver';
import type { AppState } from '../app/app-state';
import { digZeroPages } from '../vm/memory-file';
import { describeSharing, type ImageMemoryBases } from '../vm/shared-pages';

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

/**
 * Once QEMU has exited: the memory file's zero pages become holes, and its
 * pages identical to its image's base share the base's blocks (where the
 * filesystem can). Best effort: the file reads the same bytes either way, only
 * its cost on disk differs. Never while a process maps the file: a write
 * through a mapping while the kernel compares a page for sharing would be lost.
 */
export async function shrinkOnDisk(app: AppState, memoryFile: string, bases?: ImageMemoryBases): Promise<void> {
  await digZeroPagesLogged(app, memoryFile, '');
  if (!bases) return;
  try {
    const source = app.spec['fork-of'];
    const kin = source ? [path.join(path.dirname(app.dir), source, 'memory')] : [];
    const shared = await bases.share(app.spec.image, memoryFile, kin);
    if (!shared) return;
    app.system(describeSharing(shared));
    app.recordSharedMemory(shared.becameBase ? 0 : shared.sharedBytes);
    // The first pass leaves some zero pages of a fork allocated (about 6 MiB of a fresh
    // branch's 18, measured; why is not known yet); a second pass after sharing takes them out.
    if (!shared.becameBase) await digZeroPagesLogged(app, memoryFile, ' after sharing');
  } catch (err) {
    app.system(`memory pages not shared: ${(err as Error).message}`);
  }
}

/** Best effort: the file reads the same either way. */
async function digZeroPagesLogged(app: AppState, memoryFile: string, when: string): Promise<void> {
  const dug = await digZeroPages(memoryFile).catch((err: Error) => {
    app.system(`zero pages of the memory file not dug out${when}: ${err.message}`);
    return 0;
  });
  if (dug) app.system(`zero pages dug out of the memory file${when}: ${mib(dug)} MiB`);
}
