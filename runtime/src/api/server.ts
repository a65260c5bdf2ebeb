// lttled's HTTP API (API.md): validates bodies with the shared schemas and
// serialises work per resource.
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { BadRequestError, LttleError, NotFoundError } from '../../../schema/src/errors';
import { httpStatusOf } from './http-status';
import { KeyedMutex } from './keyed-mutex';
import { Router, type RouteContext } from './router';

const MAX_BODY_BYTES = 1 << 20;
/** Per listener; exec sessions and followed logs count too. */
const MAX_CONNECTIONS = 1024;

export interface ServerDeps {
  version: string;
  home: string;
  /** The checkout this daemon runs from: a client can tell when it has been moved or deleted. */
  root: string;
  accel: string;
  /** The resource routes (volumes, apps), each group registered on the one router. */
  routes: ((router: Router, locks: KeyedMutex) => void)[];
  /** Connection upgrades (exec sessions); `authorised` says whether the token matched. */
  upgrade?: (req: http.IncomingMessage, socket: Duplex, head: Buffer, authorised: boolean) => void;
  /**
   * Trust is decided per listener, never per request: the unix socket's
   * listener is created without a token (its 0600 mode is the guard), every
   * TCP listener with one, and then every request and upgrade must carry it.
   */
  token?: string;
  onShutdown: () => void;
  log: (line: string) => void;
}

export function createServer(deps: ServerDeps): http.Server {
  const router = new Router();
  const locks = new KeyedMutex();

  router.add('GET', '/v1/health', async () => ({ version: deps.version, pid: process.pid, home: deps.home, root: deps.root, accel: deps.accel }));
  router.add('POST', '/v1/shutdown', async ({ res }) => {
    res.on('finish', deps.onShutdown);
    return {};
  });
  for (const addRoutes of deps.routes) addRoutes(router, locks);

  // Timeouts are enforced by a periodic sweep: make it frequent enough to matter.
  const server = http.createServer({ connectionsCheckingInterval: 2_000 }, (req, res) => {
    void handle(router, deps, req, res);
  });
  // Half-open and slow clients must not pin descriptors: bounded headers,
  // bodies and idle keep-alives, and a cap on connections per listener.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.maxConnections = MAX_CONNECTIONS;
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // An upgraded socket has lost the HTTP server's error handler: a client that
    // resets or goes away (EPIPE, ECONNRESET) must not become an uncaught error.
    socket.on('error', () => undefined);
    const authorised = !deps.token || authorisedRequest(req, deps.token);
    if (deps.upgrade) deps.upgrade(req, socket, head, authorised);
    else socket.destroy();
  });
  return server;
}

async function handle(router: Router, deps: ServerDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const started = Date.now();
  // Not WHATWG URL parsing for the path: it resolves %2e%2e as a dot segment
  // before the router could refuse it as a name.
  const [pathname, search = ''] = (req.url ?? '/').split('?', 2);
  const url = { pathname, searchParams: new URLSearchParams(search) };
  try {
    if (deps.token && !authorisedRequest(req, deps.token)) throw new LttleError('unauthorized', 'missing or wrong bearer token');
    const route = router.match(req.method ?? 'GET', url.pathname);
    if (route === undefined) throw new NotFoundError(`no such endpoint: ${url.pathname}`);
    if (route === 'method') throw new LttleError('method_not_allowed', `${req.method} is not allowed on ${url.pathname}`);
    const body = route.streamsBody ? undefined : await readJson(req);
    const ctx: RouteContext = { params: route.params, query: url.searchParams, body, req, res };
    const result = await route.handler(ctx);
    if (result !== undefined && !res.headersSent) send(res, 200, result);
  } catch (err) {
    const known = err instanceof LttleError ? err : new LttleError('internal', (err as Error).message);
    const status = httpStatusOf(known.code);
    if (status === 500) deps.log(`error: ${req.method} ${url.pathname}: ${(err as Error).stack ?? String(err)}`);
    if (!res.headersSent) {
      // A body we stopped reading (too large) cannot be skipped: answer, then close the connection.
      if (known.code === 'too_large') {
        res.setHeader('connection', 'close');
        res.on('finish', () => req.socket.destroy());
      }
      send(res, status, { error: { code: known.code, message: known.message, issues: known.issues.length ? known.issues : undefined } });
    } else res.destroy();
  } finally {
    if (req.method !== 'GET') deps.log(`${req.method} ${url.pathname} -> ${res.statusCode} (${Date.now() - started} ms)`);
  }
}

/** Compares digests, so a wrong token and a missing one take the same time whatever their length. */
function authorisedRequest(req: http.IncomingMessage, token: string): boolean {
  const digest = (text: string) => crypto.createHash('sha256').update(text).digest();
  return crypto.timingSafeEqual(digest(req.headers.authorization ?? ''), digest(`Bearer ${token}`));
}

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.pause();
        req.removeAllListeners('data');
        reject(new LttleError('too_large', `request body larger than ${MAX_BODY_BYTES} bytes`));
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (!size) return resolve(undefined);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        // JSON.parse's message quotes the body, which may hold secrets: say only where.
        const at = /position (\d+)/.exec((err as Error).message)?.[1];
        reject(new BadRequestError(`the request body is not valid JSON${at ? ` (at byte ${at})` : ''}`));
      }
    });
    // A client that went away mid-body is its own problem, not an internal error of ours.
    req.on('error', () => reject(new BadRequestError('the request body was not received completely')));
  });
}

export function send(res: http.ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
