// `machine exec` sessions: an HTTP upgrade on /v1/apps/NS/NAME/exec turns the
// connection into a framed stream (the guest protocol's frames, channel 0)
// that the daemon relays to an exec channel of the machine. Output credit is
// granted to the guest only as the client's socket drains, so a fast producer
// (cat of a large file) neither stalls nor fills the daemon's memory.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { formatPath, validate } from '../../../schema/src/schema';
import type { ExecRequest } from '../../../schema/src/types';
import { encodeFrame, encodeRecords, FrameDecoder, INITIAL_STDIN_CREDIT, MsgType, type Frame } from '../vm/channel';
import type { AppManager } from '../app/app-manager';

export const EXEC_HEADER = 'x-lttle-exec';
const PATH = /^\/v1\/apps\/([^/]+)\/([^/]+)\/exec$/;

function reject(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(`HTTP/1.1 ${status} ${code}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** Parses and validates the request header; throws a user-facing message. */
export function parseExecRequest(header: string | string[] | undefined): ExecRequest {
  if (typeof header !== 'string') throw new Error(`missing ${EXEC_HEADER} header`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  } catch {
    throw new Error(`${EXEC_HEADER} is not base64url-encoded JSON`);
  }
  const issues = validate('api/exec-request', value);
  if (issues.length) throw new Error(`invalid exec request: ${issues.map((i) => `${formatPath(i.path)} ${i.message}`).join('; ')}`);
  return value as ExecRequest;
}

export async function handleExecUpgrade(apps: AppManager, req: IncomingMessage, socket: Duplex, head: Buffer, authorised: boolean): Promise<void> {
  const match = PATH.exec(new URL(req.url ?? '/', 'http://lttled').pathname);
  if (!authorised) return reject(socket, 401, 'unauthorized', 'missing or wrong bearer token');
  if (!match || req.method !== 'POST') return reject(socket, 404, 'not_found', 'upgrades are only for POST /v1/apps/NS/NAME/exec');
  const [namespace, name] = [decodeURIComponent(match[1]), decodeURIComponent(match[2])];
  let request: ExecRequest;
  try {
    request = parseExecRequest(req.headers[EXEC_HEADER]);
  } catch (err) {
    return reject(socket, 422, 'invalid', (err as Error).message);
  }
  const app = apps.get(namespace, name);
  if (!app) return reject(socket, 404, 'not_found', `app ${namespace}/${name} does not exist`);
  let release: () => void;
  try {
    // Resumes a suspended machine and keeps it awake while the session is open.
    release = await app.hold();
  } catch (err) {
    return reject(socket, 409, 'conflict', (err as Error).message);
  }
  // The client may have gone while the machine resumed or booted: its 'close' is past, so nothing would end the session.
  if (socket.destroyed) return release();
  const machine = app.runningMachine;
  if (!machine) {
    release();
    return reject(socket, 409, 'conflict', `app ${namespace}/${name} has no running machine`);
  }
  socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: lttle-exec\r\nconnection: Upgrade\r\n\r\n');

  let finished = false;
  let owed = 0;
  const toClient = (type: number, payload: Buffer) => {
    if (finished) return;
    const ok = socket.write(encodeFrame(type, 0, payload));
    if (type === MsgType.EXEC_STDOUT || type === MsgType.EXEC_STDERR) {
      owed += payload.length;
      if (ok) grant();
    }
  };
  const grant = () => {
    if (owed > 0 && !finished && machine.running) machine.send(MsgType.EXEC_CREDIT, session.channel, String(owed));
    owed = 0;
  };
  socket.on('drain', grant);

  const session = machine.openExecChannel((frame: Frame) => {
    if (frame.type === MsgType.EXEC_EXIT) {
      toClient(frame.type, frame.payload);
      end();
      socket.end();
    } else if (frame.type === MsgType.EXEC_STDOUT || frame.type === MsgType.EXEC_STDERR) {
      toClient(frame.type, frame.payload);
    } else if (frame.type === MsgType.EXEC_STDIN_CREDIT) {
      stdinCredit += Number(frame.payload.toString('utf8')) || 0;
      pumpStdin();
    }
  });

  // Client stdin waits here until the guest has credit for it; the client is paused meanwhile.
  let stdinCredit = INITIAL_STDIN_CREDIT;
  const stdinQueue: Frame[] = [];
  const pumpStdin = () => {
    while (stdinQueue.length && stdinCredit > 0 && machine.running && !finished) {
      const frame = stdinQueue[0];
      if (frame.type !== MsgType.EXEC_STDIN) {
        machine.send(frame.type, session.channel, frame.payload);
        stdinQueue.shift();
        continue;
      }
      const part = frame.payload.subarray(0, stdinCredit);
      machine.send(MsgType.EXEC_STDIN, session.channel, part);
      stdinCredit -= part.length;
      if (part.length === frame.payload.length) stdinQueue.shift();
      else frame.payload = frame.payload.subarray(part.length);
    }
    if (stdinQueue.length) socket.pause();
    else socket.resume();
  };
  const end = () => {
    if (finished) return;
    finished = true;
    session.close();
    release();
  };

  const records: [string, string][] = request.command.map((a) => ['arg', a]);
  for (const [k, v] of Object.entries(request.env ?? {})) records.push(['env', `${k}=${v}`]);
  if (request.tty) records.push(['tty', '1'], ['rows', String(request.rows ?? 24)], ['cols', String(request.cols ?? 80)]);
  if (request.user) records.push(['user', request.user]);
  if (request.workdir) records.push(['workdir', request.workdir]);
  if (request.stdin) records.push(['stdin', '1']);
  machine.send(MsgType.EXEC_START, session.channel, encodeRecords(records));

  const decoder = new FrameDecoder();
  const onData = (chunk: Buffer) => {
    let frames: Frame[];
    try {
      frames = decoder.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const frame of frames) {
      if (finished || !machine.running) return;
      if (frame.type === MsgType.EXEC_STDIN || frame.type === MsgType.EXEC_EOF) {
        // Ordered behind the stdin still waiting for credit.
        stdinQueue.push(frame);
      } else if (frame.type === MsgType.EXEC_RESIZE || frame.type === MsgType.EXEC_SIGNAL) {
        machine.send(frame.type, session.channel, frame.payload);
      }
    }
    pumpStdin();
  };
  if (head.length) onData(head);
  socket.on('data', onData);
  // The HTTP server may leave an upgraded socket paused; without reading it, a client that dies is never noticed.
  socket.resume();
  const clientGone = () => {
    // The client went away: end the guest's process group so nothing is orphaned.
    if (!finished && machine.running) machine.send(MsgType.EXEC_SIGNAL, session.channel, '9');
    end();
  };
  // The HTTP server's sockets are half-open: a client that dies gives 'end', and 'close' only
  // follows once this side ends too. Stdin EOF travels as an EXEC_EOF frame, never as a FIN.
  socket.on('end', () => {
    clientGone();
    socket.end();
  });
  socket.on('close', clientGone);
}
