// The paged-out tier's timer: a suspended app keeps its guest RAM resident for
// the daemon's page-out delay, then its paused QEMU's RAM is written back to the
// memory file and dropped from host memory (vm/page-out.ts). QEMU stays, with
// its translation cache and any client connection; a wake is an ordinary resume.
import type { AppState } from '../app/app-state';
import type { MachineDriver } from '../app/machine-driver';
import { writeBack } from '../vm/page-out';

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

export class PageOutTimer {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly app: AppState,
    private readonly vm: MachineDriver,
    private readonly memoryFile: string,
    /** 0: never paged out. */
    private readonly afterMs: number,
  ) {}

  /** The app was just suspended. */
  arm(): void {
    this.cancel();
    if (!this.afterMs) return;
    this.timer = setTimeout(() => void this.pageOut(), this.afterMs);
    this.timer.unref();
  }

  cancel(): void {
    clearTimeout(this.timer);
  }

  private async pageOut(): Promise<void> {
    if (this.app.record.state !== 'suspended') return;
    // The write-back before taking the app's queue, so a wake meanwhile does not wait for the
    // disk. A failure is dropped: the helper syncs again and reports what fails.
    await writeBack(this.memoryFile).catch(() => undefined);
    return this.app.serialise(async () => {
      const machine = this.vm.running;
      const { state, flash } = this.app.record;
      if (state !== 'suspended' || !machine || flash.deep || flash.pagedOutSince) return;
      try {
        const out = await machine.pageOutMemory();
        this.app.recordPagedOut(out.residentBeforeBytes, out.residentAfterBytes);
        this.app.system(
          `paged out (suspended for ${this.afterMs / 1000} s): guest RAM resident ${mib(out.residentBeforeBytes)} → ${mib(out.residentAfterBytes)} MiB, written back to the memory file in ${out.ms} ms; QEMU stays`,
        );
      } catch (err) {
        this.app.system(`not paged out, the app stays suspended with its RAM resident: ${(err as Error).message}`);
      }
    });
  }
}
