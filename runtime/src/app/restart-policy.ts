// What follows the end of the app's process, by its restart policy: stay
// stopped, restart after a backoff that doubles with each recent failure, or
// give up on a crash loop rather than boot a broken app forever.
import type { MachineState, RestartPolicy } from '../../../schema/src/types';

/** Crash-loop guard: this many failed exits within CRASH_WINDOW_MS end in `error`. */
const CRASH_LIMIT = 3;
const CRASH_WINDOW_MS = 60_000;

export type AfterExit =
  | { state: Extract<MachineState, 'stopped' | 'error'>; message: string; remove?: boolean }
  | { state: Extract<MachineState, 'restarting'>; message: string; backoffMs: number };

export class Restarts {
  /** When the recent failed exits happened. */
  private failures: number[] = [];

  constructor(
    /** The backoff after the first failed exit (or a clean one under `always`). */
    private readonly firstBackoffMs = 1000,
  ) {}

  afterExit(policy: RestartPolicy, how: string): AfterExit {
    const failed = how !== 'exit 0';
    if (policy === 'remove') return { state: 'stopped', message: `app process ended (${how}); restart-policy remove`, remove: true };
    if (policy === 'never' || (policy === 'on-failure' && !failed)) return { state: 'stopped', message: `app process ended (${how})` };
    if (failed) {
      const now = Date.now();
      this.failures = [...this.failures.filter((t) => now - t < CRASH_WINDOW_MS), now];
      if (this.failures.length >= CRASH_LIMIT) {
        return {
          state: 'error',
          message: `app process ended (${how}) ${CRASH_LIMIT} times within ${CRASH_WINDOW_MS / 1000}s; not restarting (redeploy to try again)`,
        };
      }
    }
    const backoffMs = this.firstBackoffMs * 2 ** Math.max(0, this.failures.length - 1);
    return { state: 'restarting', message: `app process ended (${how}); restarting in ${backoffMs / 1000}s`, backoffMs };
  }
}
