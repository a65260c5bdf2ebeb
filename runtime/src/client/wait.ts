// The one settle-wait of every front end, whatever answers it: lttled over its
// API (client.ts) or a Kubernetes API server (kube/cluster-runtime.ts). Both
// get the same states, the same timeouts and the same errors from here.
import { CancelledError, FailedError, NotFoundError, TimeoutError, type LttleError } from '../../../schema/src/errors';
import type { AppStatus, VolumeStatus } from '../../../schema/src/types';
import type { WaitOptions } from './api';
import { delay, settledStates, TERMINAL } from './http';

/**
 * Waits until `accepted` (the status answered to the apply) has been acted on
 * (`observedGeneration` reaches its `generation`) and is in a settled state.
 * `fetch` reads the current status (undefined: deleted); `explain` may replace
 * a failure with a better one (the local daemon's stale checkout).
 */
export async function waitSettled<S extends VolumeStatus | AppStatus>(
  kind: 'volume' | 'app',
  accepted: S,
  options: WaitOptions<S>,
  fetch: () => Promise<S | undefined>,
  explain: (err: LttleError) => Promise<LttleError> = (err) => Promise.resolve(err),
): Promise<S> {
  const { namespace, name } = accepted.spec;
  const what = `${kind} ${namespace}/${name}`;
  const deadline = Date.now() + options.timeoutMs;
  let status: S = accepted;
  for (;;) {
    options.onProgress?.(status);
    const current = status.observedGeneration >= accepted.generation;
    if (current && settledStates(status).includes(status.state)) return status;
    if (current && TERMINAL.includes(status.state)) {
      throw await explain(new FailedError(`${what} is ${status.state}${status.message ? `: ${status.message}` : ''}`));
    }
    if (options.signal?.aborted) throw new CancelledError(`cancelled while waiting for ${what} (state: ${status.state})`);
    if (Date.now() > deadline) {
      throw new TimeoutError(
        `${what} did not become ${settledStates(status).join(' or ')} within ${Math.round(options.timeoutMs / 1000)}s (state: ${status.state}${status.message ? `, ${status.message}` : ''})${options.timeoutHint ? `; ${options.timeoutHint}` : ''}`,
      );
    }
    await delay(options.intervalMs ?? 200, options.signal);
    const next = await fetch();
    if (!next) throw NotFoundError.of(`${what} (deleted while waiting for it)`);
    status = next;
  }
}
