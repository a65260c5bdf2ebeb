// A fork of a PostgreSQL app whose POSTGRES_PASSWORD differs from its
// source's: the data directory (branched from the source's) carries the
// source's password, and the running server was started with it, so the new
// one is set in the database itself, through the guest agent, as the fork
// wakes. The value never leaves the host in clear: psql gets a SCRAM-SHA-256
// verifier computed here, on stdin (not in a command line), with statement
// logging off for the session, so neither a log nor an error shows it.
import * as crypto from 'node:crypto';
import type { AppSpec } from '../../../schema/src/types';
import { execInGuest } from './guest-exec';
import type { RunningMachine } from './machine-driver';

const SCRAM_ITERATIONS = 4096;

/** PostgreSQL's stored form of a password (RFC 5802/7677, as `CREATE ROLE ... PASSWORD` stores it). */
export function scramVerifier(password: string, salt = crypto.randomBytes(16)): string {
  const salted = crypto.pbkdf2Sync(password.normalize('NFKC'), salt, SCRAM_ITERATIONS, 32, 'sha256');
  const hmac = (key: Buffer, text: string) => crypto.createHmac('sha256', key).update(text).digest();
  const storedKey = crypto.createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** The new password a fork must apply, or undefined when it keeps its source's. */
export function changedPassword(source: AppSpec, fork: AppSpec): string | undefined {
  const next = fork.environment.POSTGRES_PASSWORD;
  return next !== undefined && next !== source.environment.POSTGRES_PASSWORD ? next : undefined;
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Sets the fork's password in its running database, logging in with the source's. */
export async function applyForkedPassword(machine: RunningMachine, source: AppSpec, password: string): Promise<void> {
  const user = source.environment.POSTGRES_USER ?? 'postgres';
  const db = source.environment.POSTGRES_DB ?? user;
  const port = String(Object.values(source.expose)[0]?.port ?? 5432);
  const sql = [
    "SET log_statement = 'none';",
    'SET log_min_error_statement = panic;',
    `ALTER ROLE ${quoteIdent(user)} PASSWORD '${scramVerifier(password)}';`,
    '',
  ].join('\n');
  const result = await execInGuest(
    machine,
    ['psql', '-h', '127.0.0.1', '-p', port, '-U', user, '-d', db, '-v', 'ON_ERROR_STOP=1', '--no-psqlrc', '-q'],
    { PGPASSWORD: source.environment.POSTGRES_PASSWORD ?? '' },
    sql,
  );
  if (result.exit !== 'exit 0') throw new Error(`setting the fork's POSTGRES_PASSWORD failed (${result.exit}): ${result.stderr.trim().slice(-300)}`);
}
