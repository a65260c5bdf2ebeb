import { RuntimeClient } from '../client/client';
import type { ParsedArgs } from './args';
import { parseFormat, type OutputFormat } from './output';

/** What every command gets: its arguments, a runtime client and where to print. */
export interface CommandContext {
  args: ParsedArgs;
  client: RuntimeClient;
  format: OutputFormat;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Answers a yes/no question on a terminal; false without one. */
  confirm: (question: string) => Promise<boolean>;
}

export function namespaceOf(args: ParsedArgs): string {
  return args.values.ns?.[0] ?? args.values.namespace?.[0] ?? 'default';
}

export function formatOf(args: ParsedArgs): OutputFormat {
  return parseFormat(args.values.output?.[0]);
}

export function newClient(): RuntimeClient {
  return new RuntimeClient();
}

/** Exit with this code and message (already user-facing). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
