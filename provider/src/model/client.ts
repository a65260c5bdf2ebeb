// Client of the lttle runtime API (lttled). The CLI and both providers use it.
// By default it talks to the local daemon on $LTTLE_HOME/lttled.sock and
// starts that daemon, detached, when it is not running.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { Plan } from './diff';
import { daemonCommand, daemonSocketPath } from './paths';
import type { Issue } from './schema';
import type { Duplex } from 'node:stream';
import type { AppSpec, AppStatus, ExecRequest, MachineState, VolumeSpec, VolumeStatus } from './types';

export interface ClientOptions {
  /** `unix:///path/lttled.sock`, a socket path, or `http://127.0.0.1:7878`. Default: env LTTLE_HOST, then the local daemon. */
  host?: string;
  /** Bearer token for TCP hosts. Default: env LTTLE_TOKEN. */
  token?: string;
  /** Start the local daemon when its socket does not answer (default true for the local socket). */
  autostart?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface ApiErrorBody {
  error: { code: string; message: string; issues?: Issue[] };
}

/** An error the runtime answered with; `message` is safe to show (never holds secret values). */
export class RuntimeError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}

export interface ApplyResult<S> {
  status: S;
  plan: Plan;
}

export interface LogLine {
  time: string;
  /** "stdout" | "stderr" of the app, or "system" for the runtime's own lines. */
  stream: string;
  line: string;
}

export interface Health {
  version: string;
  pid: number;
  home: string;
  accel: string;
}

/** A resource body as written by a user (validated and normalised by the runtime). */
export type RawResource = Record<string, unknown> & { name: string; namespace?: string };

type Endpoint = { socketPath: string } | { hostname: string; port: number };

const DAEMON_START_TIMEOUT_MS = 20_000;

export class RuntimeClient {
  private readonly endpoint: Endpoint;
  private readonly token?: string;
  private readonly autostart: boolean;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: ClientOptions = {}) {
    this.env = options.env ?? process.env;
    const host = options.host || this.env.LTTLE_HOST || '';
    this.token = options.token || this.env.LTTLE_TOKEN || undefined;
    if (!host) {
      this.endpoint = { socketPath: daemonSocketPath(this.env) };
      this.autostart = options.autostart ?? true;
    } else if (host.startsWith('http://')) {
      const url = new URL(host);
      this.endpoint = { hostname: url.hostname, port: Number(url.port || 80) };
      this.autostart = false;
    } else {
      const socketPath = host.startsWith('unix://') ? host.slice('unix://'.length) : host;
      this.endpoint = { socketPath };
      this.autostart = options.autostart ?? socketPath === daemonSocketPath(this.env);
    }
  }

  /** Human-readable description of where this client connects. */
  get target(): string {
    return 'socketPath' in this.endpoint ? `unix://${this.endpoint.socketPath}` : `http://${this.endpoint.hostname}:${this.endpoint.port}`;
  }

  health(): Promise<Health> {
    return this.request('GET', '/v1/health');
  }

  applyVolume(spec: VolumeSpec | RawResource, options: { dryRun?: boolean } = {}): Promise<ApplyResult<VolumeStatus>> {
    return this.request('PUT', `/v1/volumes/${seg(spec.namespace ?? 'default')}/${seg(spec.name)}${options.dryRun ? '?dryRun=true' : ''}`, spec);
  }

  getVolume(namespace: string, name: string): Promise<VolumeStatus | undefined> {
    return this.getOrUndefined(`/v1/volumes/${seg(namespace)}/${seg(name)}`);
  }

  listVolumes(namespace?: string): Promise<VolumeStatus[]> {
    return this.request('GET', `/v1/volumes${namespace ? `?namespace=${seg(namespace)}` : ''}`);
  }

  /** Deletes a volume; false when there was none. */
  async deleteVolume(namespace: string, name: string): Promise<boolean> {
    return this.deleteOrFalse(`/v1/volumes/${seg(namespace)}/${seg(name)}`);
  }

  applyApp(spec: AppSpec | RawResource, options: { dryRun?: boolean } = {}): Promise<ApplyResult<AppStatus>> {
    const query = options.dryRun ? '?dryRun=true' : '';
    return this.request('PUT', `/v1/apps/${seg(spec.namespace ?? 'default')}/${seg(spec.name)}${query}`, spec);
  }

  getApp(namespace: string, name: string): Promise<AppStatus | undefined> {
    return this.getOrUndefined(`/v1/apps/${seg(namespace)}/${seg(name)}`);
  }

  listApps(namespace?: string): Promise<AppStatus[]> {
    return this.request('GET', `/v1/apps${namespace ? `?namespace=${seg(namespace)}` : ''}`);
  }

  async deleteApp(namespace: string, name: string): Promise<boolean> {
    return this.deleteOrFalse(`/v1/apps/${seg(namespace)}/${seg(name)}`);
  }

  suspendApp(namespace: string, name: string): Promise<AppStatus> {
    return this.request('POST', `/v1/apps/${seg(namespace)}/${seg(name)}/suspend`);
  }

  resumeApp(namespace: string, name: string): Promise<AppStatus> {
    return this.request('POST', `/v1/apps/${seg(namespace)}/${seg(name)}/resume`);
  }

  /**
   * Polls until the app reaches one of `states`; rejects when it reaches
   * `error` (or `stopped` unless asked for) or the timeout passes.
   */
  async waitForApp(
    namespace: string,
    name: string,
    options: { states: MachineState[]; timeoutMs: number; onProgress?: (status: AppStatus) => void; intervalMs?: number },
  ): Promise<AppStatus> {
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const status = await this.getApp(namespace, name);
      if (!status) throw new RuntimeError(404, 'not_found', `app ${namespace}/${name} does not exist`);
      options.onProgress?.(status);
      if (options.states.includes(status.state)) return status;
      if (status.state === 'error' || (status.state === 'stopped' && !options.states.includes('stopped'))) {
        throw new RuntimeError(500, 'app_failed', `app ${namespace}/${name} is ${status.state}${status.message ? `: ${status.message}` : ''}`);
      }
      if (Date.now() > deadline) {
        throw new RuntimeError(504, 'timeout', `app ${namespace}/${name} did not become ${options.states.join(' or ')} within ${Math.round(options.timeoutMs / 1000)}s (state: ${status.state}${status.message ? `, ${status.message}` : ''})`);
      }
      await delay(options.intervalMs ?? 200);
    }
  }

  /** Streams the app's log lines to `onLine`; with follow, until `signal` aborts. */
  async logs(namespace: string, name: string, options: { follow?: boolean; tail?: number; signal?: AbortSignal }, onLine: (line: LogLine) => void): Promise<void> {
    const query = new URLSearchParams();
    if (options.follow) query.set('follow', 'true');
    if (options.tail !== undefined) query.set('tail', String(options.tail));
    const res = await this.open('GET', `/v1/apps/${seg(namespace)}/${seg(name)}/logs?${query}`, undefined, options.signal);
    if ((res.statusCode ?? 500) >= 300) throw await errorFrom(res);
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const text = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (text) onLine(JSON.parse(text) as LogLine);
        }
      });
      res.on('end', resolve);
      res.on('error', (err) => (options.signal?.aborted ? resolve() : reject(err)));
      options.signal?.addEventListener('abort', () => {
        res.destroy();
        resolve();
      });
    });
  }

  /**
   * Opens an exec session: resolves with the upgraded connection, which then
   * carries frames (runtime/guest/PROTOCOL.md's framing, channel 0).
   */
  async exec(namespace: string, name: string, request: ExecRequest): Promise<Duplex> {
    const header = Buffer.from(JSON.stringify(request)).toString('base64url');
    const attempt = () =>
      new Promise<Duplex>((resolve, reject) => {
        const headers: http.OutgoingHttpHeaders = { connection: 'Upgrade', upgrade: 'lttle-exec', 'x-lttle-exec': header };
        if (this.token) headers.authorization = `Bearer ${this.token}`;
        const req = http.request({ ...this.endpoint, method: 'POST', path: `/v1/apps/${seg(namespace)}/${seg(name)}/exec`, headers, agent: false });
        req.on('upgrade', (_res, socket, head) => {
          if (head.length) socket.unshift(head);
          resolve(socket);
        });
        req.on('response', (res) => void errorFrom(res).then(reject, reject));
        req.on('error', reject);
        req.end();
      });
    try {
      return await attempt();
    } catch (err) {
      if (!this.autostart || !isNotRunning(err)) throw err instanceof RuntimeError ? err : this.unreachable(err);
      await this.startDaemon();
      return attempt();
    }
  }

  async request<T>(method: string, urlPath: string, body?: unknown): Promise<T> {
    const res = await this.open(method, urlPath, body);
    const text = await readAll(res);
    if ((res.statusCode ?? 500) >= 300) throw errorFromText(res.statusCode ?? 500, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Opens a request, starting the local daemon first if it is not answering. */
  async open(method: string, urlPath: string, body?: unknown, signal?: AbortSignal): Promise<http.IncomingMessage> {
    try {
      return await this.send(method, urlPath, body, signal);
    } catch (err) {
      if (!this.autostart || !isNotRunning(err)) throw this.unreachable(err);
      await this.startDaemon();
      return this.send(method, urlPath, body, signal);
    }
  }

  private send(method: string, urlPath: string, body: unknown, signal?: AbortSignal): Promise<http.IncomingMessage> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return new Promise((resolve, reject) => {
      // No keep-alive: the daemon closes idle connections, and a reused one can fail with EPIPE.
      const req = http.request({ ...this.endpoint, method, path: urlPath, headers, signal, agent: false }, resolve);
      req.on('error', reject);
      req.end(payload);
    });
  }

  private unreachable(err: unknown): Error {
    if (isNotRunning(err)) return new RuntimeError(503, 'unreachable', `cannot reach the lttle runtime at ${this.target}: ${(err as Error).message}`);
    return err as Error;
  }

  private async startDaemon(): Promise<void> {
    const socketPath = (this.endpoint as { socketPath: string }).socketPath;
    const home = path.dirname(socketPath);
    const command = daemonCommand(this.env);
    if (!command) throw new RuntimeError(503, 'unreachable', `no lttle runtime answers on ${socketPath}, and lttled is not on PATH to start one: start lttled, put lttle's bin/ on PATH, or set LTTLE_DAEMON to its bin/lttled`);
    fs.mkdirSync(home, { recursive: true, mode: 0o700 });
    const log = fs.openSync(path.join(home, 'lttled.log'), 'a');
    const child = spawn(command[0], command.slice(1), {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...this.env, LTTLE_HOME: home },
    });
    let spawnError: Error | undefined;
    child.on('error', (err) => (spawnError = err));
    child.unref();
    fs.closeSync(log);
    const deadline = Date.now() + DAEMON_START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (spawnError) throw new RuntimeError(503, 'unreachable', `cannot start lttled (${command.join(' ')}): ${spawnError.message}`);
      try {
        const res = await this.send('GET', '/v1/health', undefined);
        await readAll(res);
        if (res.statusCode === 200) return;
      } catch (err) {
        if (!isNotRunning(err)) throw err;
      }
      await delay(50);
    }
    throw new RuntimeError(503, 'unreachable', `started lttled but it did not answer on ${socketPath} within ${DAEMON_START_TIMEOUT_MS / 1000}s; see ${path.join(home, 'lttled.log')}`);
  }

  private async getOrUndefined<T>(urlPath: string): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', urlPath);
    } catch (err) {
      if (err instanceof RuntimeError && err.status === 404) return undefined;
      throw err;
    }
  }

  private async deleteOrFalse(urlPath: string): Promise<boolean> {
    try {
      await this.request('DELETE', urlPath);
      return true;
    } catch (err) {
      if (err instanceof RuntimeError && err.status === 404) return false;
      throw err;
    }
  }
}

function seg(value: string): string {
  return encodeURIComponent(value);
}

function isNotRunning(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED';
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

async function errorFrom(res: http.IncomingMessage): Promise<RuntimeError> {
  return errorFromText(res.statusCode ?? 500, await readAll(res));
}

function errorFromText(status: number, text: string): RuntimeError {
  try {
    const body = JSON.parse(text) as ApiErrorBody;
    return new RuntimeError(status, body.error.code, body.error.message, body.error.issues ?? []);
  } catch {
    return new RuntimeError(status, 'http_error', `runtime answered HTTP ${status}: ${text.slice(0, 200)}`);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
