// Test support: a private LTTLE_HOME with its own daemon, and the real CLI.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RuntimeClient } from '../../runtime/src/client/client';
import { daemonEntry, packageRoot } from '../../schema/src/paths';
import type { AppStatus, MachineState } from '../../schema/src/types';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class TestRuntime {
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  readonly client: RuntimeClient;

  /** `parent`: where the home is made (a test's own filesystem); the host's temporary directory by default. */
  constructor(prefix = 'lttle-test-', parent = os.tmpdir()) {
    this.home = fs.mkdtempSync(path.join(parent, prefix));
    // One image store for the whole suite: the rootfs of postgres:17-flash is built once.
    this.env = { ...process.env, LTTLE_HOME: this.home, LTTLE_HOST: '', LTTLE_TOKEN: '', LTTLE_IMAGE_STORE: path.join(packageRoot(), 'build', 'image-store') };
    this.client = new RuntimeClient({ env: this.env });
  }

  /** Runs `lttle ARGS` as a user would, with this runtime's home. */
  cli(args: string[], options: { input?: string; cwd?: string } = {}): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(path.join(packageRoot(), 'bin', 'lttle'), args, { env: this.env, cwd: options.cwd ?? packageRoot() });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(options.input ?? '');
    });
  }

  /**
   * Waits for an app to reach one of `states` (tests watch transitions such as
   * `suspended` or `waiting`; front ends use the client's applyAndWait).
   */
  async waitForApp(namespace: string, name: string, options: { states: MachineState[]; timeoutMs: number; intervalMs?: number }): Promise<AppStatus> {
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const status = await this.client.getApp(namespace, name);
      if (status && options.states.includes(status.state)) return status;
      if (status?.state === 'error' && !options.states.includes('error')) throw new Error(`app ${namespace}/${name} is in error: ${status.message ?? ''}`);
      if (Date.now() > deadline)
        throw new Error(
          `app ${namespace}/${name} did not become ${options.states.join(' or ')} within ${options.timeoutMs} ms (state: ${status?.state ?? 'gone'})`,
        );
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
    }
  }

  /** Starts a daemon in the foreground as a child of the test (to SIGKILL it). */
  startDaemon(): ChildProcess {
    const child = spawn(process.execPath, [daemonEntry()], { env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (c: Buffer) => fs.appendFileSync(path.join(this.home, 'lttled.test.log'), c));
    return child;
  }

  async waitForDaemon(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const probe = new RuntimeClient({ env: this.env, autostart: false });
    for (;;) {
      try {
        await probe.health();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async stopDaemon(): Promise<void> {
    const probe = new RuntimeClient({ env: this.env, autostart: false });
    try {
      const { pid } = await probe.health();
      await probe.request('POST', '/v1/shutdown');
      await waitForExit(pid);
    } catch {
      // not running
    }
  }

  async dispose(): Promise<void> {
    await this.stopDaemon();
    this.reportDaemonErrors();
    killMachines(this.home);
    // LTTLE_KEEP_TEST_HOME=1 keeps logs and state for a post-mortem.
    if (!process.env.LTTLE_KEEP_TEST_HOME) fs.rmSync(this.home, { recursive: true, force: true });
  }

  /** Internal errors the daemon logged are printed, so that a CI log explains a failure. */
  private reportDaemonErrors(): void {
    for (const log of ['lttled.log', 'lttled.test.log']) {
      let text = '';
      try {
        text = fs.readFileSync(path.join(this.home, log), 'utf8');
      } catch {
        continue;
      }
      const errors = text.split('\n').filter((l) => /lttled: (uncaught|unhandled|fatal)|Z error: /.test(l));
      if (errors.length) process.stderr.write(`daemon errors in ${this.home}/${log}:\n${errors.join('\n')}\n`);
    }
  }

  writeFile(name: string, text: string): string {
    const file = path.join(this.home, name);
    fs.writeFileSync(file, text);
    return file;
  }
}

export async function waitForExit(pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`process ${pid} did not exit`);
}

export function volumeYaml(name: string, size: string, namespace = 'samples'): string {
  return `volume:\n  name: ${name}\n  namespace: ${namespace}\n  mode: writeable\n  size: ${size}\n`;
}

/** qemu processes whose command line mentions this home (none should be left). */
export function machinePids(home: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.startsWith('qemu-system') && cmdline.includes(`${home}/`)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

function killMachines(home: string): void {
  for (const pid of machinePids(home)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
