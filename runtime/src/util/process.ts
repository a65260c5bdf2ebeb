import { spawn } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: RunResult,
  ) {
    super(`${command} failed (exit ${result.code}): ${result.stderr.trim().split('\n').slice(-3).join(' | ') || result.stdout.trim().slice(-300)}`);
    this.name = 'CommandError';
  }
}

/** Runs a program to completion (no shell); rejects with its stderr when it fails. */
export function run(program: string, args: string[], options: { allowFail?: boolean; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    // A program that exits without reading its (empty) stdin must not raise EPIPE in the daemon.
    child.stdin.on('error', () => undefined);
    child.on('close', (code, signal) => {
      const result = { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code: code ?? (signal ? 128 : 1) };
      if (result.code !== 0 && !options.allowFail) reject(new CommandError(`${program} ${args.join(' ')}`, result));
      else resolve(result);
    });
    child.stdin.end(options.input ?? '');
  });
}
