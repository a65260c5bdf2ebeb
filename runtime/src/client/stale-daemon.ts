// A daemon outlives its checkout: moved or deleted, the checkout's files are
// gone while the process keeps answering, and every request that reads one
// fails with a message about paths the user never chose.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT_MISSING } from '../../../schema/src/paths';
import type { Health } from './api';

/**
 * The checkout the running daemon was started from, when it no longer exists.
 * Its health names it; a daemon of an older build does not, but then its own
 * error does (the directory of its compiled paths module, under build/js).
 */
export function goneCheckout(health: Health, errorMessage: string, exists: (file: string) => boolean = fs.existsSync): string | undefined {
  const fromError = errorMessage.includes(PACKAGE_ROOT_MISSING)
    ? errorMessage.slice(errorMessage.indexOf(PACKAGE_ROOT_MISSING) + PACKAGE_ROOT_MISSING.length).split('\n')[0]
    : undefined;
  const root = health.root ?? fromError?.replace(new RegExp(`${path.sep}build${path.sep}js${path.sep}schema${path.sep}src$`), '');
  return root && !exists(root) ? root : undefined;
}

export function staleDaemonMessage(pid: number, checkout: string): string {
  return `the running lttled (pid ${pid}) was started from ${checkout}, which no longer exists; stop it with \`lttle daemon stop\` (or \`kill ${pid}\`) and run the command again`;
}
