// HTTP plumbing of the client: path segments, reading bodies, mapping the
// API's error bodies back to domain errors, and the wait helpers.
import type * as http from 'node:http';
import { errorForCode, LttleError } from '../../../schema/src/errors';
import type { AppStatus, VolumeStatus } from '../../../schema/src/types';
import type { ApiErrorBody } from './api';

export function seg(value: string): string {
  return encodeURIComponent(value);
}

export function isNotRunning(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED';
}

export function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

export async function errorFrom(res: http.IncomingMessage): Promise<LttleError> {
  return errorFromText(res.statusCode ?? 500, await readAll(res));
}

/** Maps the API's error body back to the domain error the daemon threw. */
export function errorFromText(status: number, text: string): LttleError {
  try {
    const body = JSON.parse(text) as ApiErrorBody;
    return errorForCode(body.error.code, body.error.message, body.error.issues ?? []);
  } catch {
    return new LttleError('internal', `runtime answered HTTP ${status}: ${text.slice(0, 200)}`);
  }
}

/** Sleeps; an aborted signal ends the sleep early (the caller then sees the abort). */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export const TERMINAL: readonly string[] = ['error', 'stopped'];

/** States in which a resource counts as applied: flash apps may already be suspended when we look. */
export function settledStates(status: VolumeStatus | AppStatus): string[] {
  if (!('services' in status)) return ['ready'];
  return status.spec.mode === 'regular' ? ['ready'] : ['ready', 'suspending', 'suspended'];
}
