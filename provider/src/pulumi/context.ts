// What every resource operation gets from the provider: the runtime client
// (made on first use, so previews never connect) and the Cancel signal; and
// how long applies may wait, from the engine's customTimeouts.
import type { RuntimeApi, WaitOptions } from '../../../runtime/src/client/api';

export interface Context {
  client: () => RuntimeApi;
  /** Aborted by Cancel: waits stop early. */
  signal: AbortSignal;
}

/** When customTimeouts says nothing: booting PostgreSQL under TCG takes a while. */
export const DEFAULT_TIMEOUT_S = 600;

/** The engine's timeout in seconds (0: not set) in milliseconds, or the default. */
export function timeoutMs(timeoutS: number, defaultMs = DEFAULT_TIMEOUT_S * 1000): number {
  return timeoutS > 0 ? timeoutS * 1000 : defaultMs;
}

/** How Create and Update wait for a resource to settle. */
export function waitOptions<S>(ctx: Context, timeoutS: number, onProgress?: (status: S) => void): WaitOptions<S> {
  return { timeoutMs: timeoutMs(timeoutS), signal: ctx.signal, onProgress, timeoutHint: 'raise it with customTimeouts' };
}
