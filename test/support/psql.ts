// The host's psql client against an app's service address.
import { execFile } from 'node:child_process';

export interface PsqlTarget {
  host: string;
  port: number;
  user?: string;
  password?: string;
  database?: string;
}

/** Runs SQL with `psql -At` and resolves with its output; rejects with psql's stderr. */
export function psql(target: PsqlTarget, sql: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'psql',
      ['-h', target.host, '-p', String(target.port), '-U', target.user ?? 'user', '-d', target.database ?? 'db', '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql],
      { env: { ...process.env, PGPASSWORD: target.password ?? 'password', PGCONNECT_TIMEOUT: '30' }, timeout: timeoutMs },
      (err, stdout, stderr) => (err ? reject(new Error(`psql failed: ${stderr || err.message}`)) : resolve(stdout.trim())),
    );
  });
}

/** "127.0.0.1:1234" -> {host, port}. */
export function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}
