// Contexts for unit tests of the resource types: one whose runtime must never
// be touched (previews), and one with a scripted runtime client.
import type { RuntimeClient } from '../../../../runtime/src/client/client';
import type { Context } from '../context';

/** A context whose runtime client must never be made: previews do not touch the runtime. */
export const noRuntime: Context = {
  client: () => {
    throw new Error('preview touched the runtime');
  },
  signal: new AbortController().signal,
};

/** A context around a partial client: only the methods a test scripts exist. */
export function withClient(client: Partial<RuntimeClient>): Context {
  return { client: () => ({ target: 'unix:///test/lttled.sock', ...client }) as RuntimeClient, signal: new AbortController().signal };
}
