// A woken guest's clock. It slept: its clock is set before it serves, so no
// query sees the time it stopped at. On a host busy with many wakes the guest
// answers late (a new QEMU translates its code again first); a late answer
// never fails the wake, since the agent sets the clock whenever the message
// reaches it.
import type { AppState } from '../app/app-state';
import type { RunningMachine } from '../app/machine-driver';

export async function setGuestClock(app: AppState, machine: RunningMachine, waitMs: number): Promise<void> {
  try {
    await machine.syncClock(waitMs);
  } catch (err) {
    app.system(`guest clock not confirmed (${(err as Error).message}): serving anyway; the guest sets it when it runs`);
  }
}
