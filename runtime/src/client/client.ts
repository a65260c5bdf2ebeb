// Client of the lttle runtime API (lttled). The CLI and both providers use it.
// By default it talks to the local daemon on $LTTLE_HOME/lttled.sock and
// starts that daemon, detached, when it is not running.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { daemonCommand, daemonSocketPath } from '../../../schema/src/paths';
import { LttleError, NotFoundError, UnreachableError } from '../../../schema/src/errors';
import type { ApplyResult, Health, LogLine, RawResource, RuntimeApi, WaitOptions } from './api';
import { goneCheckout, staleDaemonMessage } from './stale-daemon';
import { delay, errorFrom, errorFromText, isNotRunning, readAll, seg } from './http';
import { waitSettled } from './wait';
import type { Duplex } from 'node:stream';
import type { AppSpec, AppStatus, ExecRequest, VolumeSnapshot, VolumeSpec, VolumeStatus } from '../../../schema/src/types';

export interface ClientOptions {
  /** `unix:///path/lttled.sock`, a socket path, or `http://127.0.0.1:7878`. Default: env LTTLE_HOST, then the local daemon. */
  host?: string;
  /** Bearer token for TCP hosts. Default: env LTTLE_TOKEN. */
  token?: string;
  /** Start the local daemon when its socket does not answer (default true for the local socket). */
  autostart?: boolean;
  env?: NodeJS.ProcessEnv;
}

type Endpoint = { socketPath: string } | { hostname: string; port: number };

const DAEMON_START_TIMEOUT_MS = 20_000;

export class RuntimeClient implements RuntimeApi {
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

  listVolumeSnapshots(namespace: string, volume: string): Promise<VolumeSnapshot[]> {
    return this.request('GET', `/v1/volumes/${seg(namespace)}/${seg(volume)}/snapshots`);
  }

  /** Freezes the volume's current bytes as snapshot `name` (the volume keeps its data and its app runs on). */
  createVolumeSnapshot(namespace: string, volume: string, name: string): Promise<VolumeSnapshot> {
    return this.request('PUT', `/v1/volumes/${seg(namespace)}/${seg(volume)}/snapshots/${seg(name)}`);
  }

  /** Puts the volume back to the snapshot; refused while a machine has the volume open. */
  restoreVolumeSnapshot(namespace: string, volume: string, name: string): Promise<VolumeSnapshot> {
    return this.request('POST', `/v1/volumes/${seg(namespace)}/${seg(volume)}/snapshots/${seg(name)}/restore`);
  }

  /** Deletes a snapshot; false when there was none. */
  deleteVolumeSnapshot(namespace: string, volume: string, name: string): Promise<boolean> {
    return this.deleteOrFalse(`/v1/volumes/${seg(namespace)}/${seg(volume)}/snapshots/${seg(name)}`);
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

  /** Creates app `to` from the suspended `namespace/name`: branched volumes, a copy of its memory. */
  forkApp(namespace: string, name: string, request: { to: string; environment?: Record<string, string> }): Promise<AppStatus> {
    return this.request('POST', `/v1/apps/${seg(namespace)}/${seg(name)}/fork`, request);
  }

  suspendApp(namespace: string, name: string): Promise<AppStatus> {
    return this.request('POST', `/v1/apps/${seg(namespace)}/${seg(name)}/suspend`);
  }

  resumeApp(namespace: string, name: string): Promise<AppStatus> {
    return this.request('POST', `/v1/apps/${seg(namespace)}/${seg(name)}/resume`);
  }

  /**
   * The one apply-and-wait of every front end (CLI deploy, Pulumi, Terraform):
   * applies the spec, then waits until the runtime has acted on it
   * (`observedGeneration` reaches the accepted `generation`) and the resource
   * is in a settled state: a volume `ready`; an app `ready`, or suspended in
   * flash mode. An app that ends in `error` or `stopped` at that generation,
   * a deletion, the timeout or the signal end the wait with a domain error.
   */
  async applyVolumeAndWait(spec: VolumeSpec | RawResource, options: WaitOptions<VolumeStatus>): Promise<ApplyResult<VolumeStatus>> {
    const applied = await this.applyVolume(spec);
    return { status: await this.waitSettled('volume', applied.status, options), plan: applied.plan };
  }

  async applyAppAndWait(spec: AppSpec | RawResource, options: WaitOptions<AppStatus>): Promise<ApplyResult<AppStatus>> {
    const applied = await this.applyApp(spec);
    return { status: await this.waitSettled('app', applied.status, options), plan: applied.plan };
  }

  /** Waits for a resource the runtime already accepted to settle at (at least) its generation. */
  waitSettled<S extends VolumeStatus | AppStatus>(kind: 'volume' | 'app', accepted: S, options: WaitOptions<S>): Promise<S> {
    const { namespace, name } = accepted.spec;
    const fetch = async () => (kind === 'volume' ? await this.getVolume(namespace, name) : await this.getApp(namespace, name)) as S | undefined;
    return waitSettled(kind, accepted, options, fetch, (err) => this.explained(err));
  }

  /** Streams the app's log lines to `onLine`; with follow, until `signal` aborts. */
  async logs(
    namespace: string,
    name: string,
    options: { follow?: boolean; tail?: number; signal?: AbortSignal },
    onLine: (line: LogLine) => void,
  ): Promise<void> {
    const query = new URLSearchParams();
    if (options.follow) query.set('follow', 'true');
    if (options.tail !== undefined) query.set('tail', String(options.tail));
    const res = await this.open('GET', `/v1/apps/${seg(namespace)}/${seg(name)}/logs?${query.toString()}`, undefined, options.signal);
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
      if (!this.autostart || !isNotRunning(err)) throw err instanceof LttleError ? err : this.unreachable(err);
      await this.startDaemon();
      return attempt();
    }
  }

  async request<T>(method: string, urlPath: string, body?: unknown): Promise<T> {
    const res = await this.open(method, urlPath, body);
    const text = await readAll(res);
    if ((res.statusCode ?? 500) < 300) return (text ? JSON.parse(text) : undefined) as T;
    const err = errorFromText(res.statusCode ?? 500, text);
    throw urlPath === '/v1/health' ? err : await this.explained(err);
  }

  /** A failure of a local daemon whose checkout is gone, replaced by what to do about it. */
  private async explained(err: LttleError): Promise<LttleError> {
    // Only a local daemon's checkout can be looked for on this host.
    if (!('socketPath' in this.endpoint) || (err.code !== 'internal' && err.code !== 'failed')) return err;
    // Without an answer there is nothing to explain, and the failure stands as it is.
    const health = await this.health().catch(() => undefined);
    const checkout = health && goneCheckout(health, err.message);
    return health && checkout ? new UnreachableError(staleDaemonMessage(health.pid, checkout)) : err;
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
    if (isNotRunning(err)) return new UnreachableError(`cannot reach the lttle runtime at ${this.target}: ${(err as Error).message}`);
    return err as Error;
  }

  private async startDaemon(): Promise<void> {
    const socketPath = (this.endpoint as { socketPath: string }).socketPath;
    const home = path.dirname(socketPath);
    const command = daemonCommand(this.env);
    if (!command)
      throw new UnreachableError(
        `no lttle runtime answers on ${socketPath}, and lttled is not on PATH to start one: start lttled, put lttle's bin/ on PATH, or set LTTLE_DAEMON to its bin/lttled`,
      );
    fs.mkdirSync(home, { recursive: true, mode: 0o700 });
    const logFile = path.join(home, 'lttled.log');
    // Where this start's lines begin: an earlier run's reason is never quoted for it.
    const logStart = fs.statSync(logFile, { throwIfNoEntry: false })?.size ?? 0;
    const log = fs.openSync(logFile, 'a');
    const child = spawn(command[0], command.slice(1), {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...this.env, LTTLE_HOME: home },
    });
    let spawnError: Error | undefined;
    let exitCode: number | null | undefined;
    child.on('error', (err) => (spawnError = err));
    child.on('exit', (code) => (exitCode = code));
    child.unref();
    fs.closeSync(log);
    const deadline = Date.now() + DAEMON_START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (spawnError) throw new UnreachableError(`cannot start lttled (${command.join(' ')}): ${spawnError.message}`);
      // A daemon that refused to start (a bad setting) says why in its log. Exit 3: another
      // daemon holds the home (a second terminal started one at the same time): wait for it.
      if (exitCode !== undefined && exitCode !== 3)
        throw new UnreachableError(`lttled exited while starting (exit ${exitCode}): ${whyFromLog(logFile, logStart)}`);
      try {
        const res = await this.send('GET', '/v1/health', undefined);
        await readAll(res);
        if (res.statusCode === 200) return;
      } catch (err) {
        if (!isNotRunning(err)) throw err;
      }
      await delay(50);
    }
    throw new UnreachableError(
      `started lttled but it did not answer on ${socketPath} within ${DAEMON_START_TIMEOUT_MS / 1000}s; see ${path.join(home, 'lttled.log')}`,
    );
  }

  private async getOrUndefined<T>(urlPath: string): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', urlPath);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  private async deleteOrFalse(urlPath: string): Promise<boolean> {
    try {
      await this.request('DELETE', urlPath);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }
}

/** The daemon's fatal line (from `start` on), without its stack: what a user needs to fix. */
function whyFromLog(file: string, start: number): string {
  const lines = fs.readFileSync(file).subarray(start).toString('utf8').split('\n');
  const fatal = lines.find((l) => l.includes('lttled: fatal: '));
  return fatal ? fatal.slice(fatal.indexOf('lttled: fatal: ') + 'lttled: fatal: '.length) : `see ${file}`;
}
