// `lttle machine exec`: a command inside the app's machine, with a real
// terminal (-t) and stdin (-i), relayed through the daemon's exec stream.
import type { Duplex } from 'node:stream';
import type { ExecRequest } from '../../../../schema/src/types';
import { encodeFrame, FrameDecoder, MsgType, parseExitStatus } from '../../vm/channel';
import type { CommandSpec } from '../args';
import { CliError, type CommandContext } from '../context';
import { KUBE_CONTEXT, KUBECONFIG, NAMESPACE_ALIAS, NS } from './common-options';
import { resolveMachine } from './machine';

export const machineExec: CommandSpec = {
  path: 'machine exec',
  usage: 'lttle machine exec [--ns NS] NAME [-i] [-t] [-e K=V]... [-u USER] [-w DIR] [--kubeconfig FILE [--context NAME]] [--] CMD [ARGS...]',
  summary:
    "Run a command inside the app's machine (its root filesystem and environment, as root unless -u). Resumes a suspended machine and keeps it awake until the command ends; exits with the command's exit code.",
  options: [
    NS,
    NAMESPACE_ALIAS,
    { name: 'stdin', short: 'i', help: 'forward standard input' },
    { name: 'tty', short: 't', help: 'allocate a pseudo-terminal' },
    { name: 'env', short: 'e', value: 'K=V', repeat: true, help: 'set an environment variable (repeatable)' },
    { name: 'user', short: 'u', value: 'USER', help: 'user name or uid[:gid] (default root)' },
    { name: 'workdir', short: 'w', value: 'DIR', help: 'working directory' },
    KUBECONFIG,
    KUBE_CONTEXT,
  ],
  positionals: { min: 1, max: 1 },
  passThroughAfter: 1,
};

function parseEnv(values: string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of values) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new CliError(`-e expects K=V, got "${item.split('=')[0]}"`, 2);
    env[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return env;
}

export async function runMachineExec(ctx: CommandContext): Promise<void> {
  const command = ctx.args.rest;
  if (!command.length) throw new CliError(`missing the command to run\nusage: ${machineExec.usage}`, 2);
  const app = await resolveMachine(ctx);
  const interactive = Boolean(ctx.args.flags.stdin);
  // Like ssh: piped input into a remote terminal would be echoed, line-edited
  // and never see end-of-file (a psql fed by a pipe hangs), so -t needs a terminal here.
  const tty = Boolean(ctx.args.flags.tty) && !(interactive && !process.stdin.isTTY);
  if (ctx.args.flags.tty && !tty) ctx.err('lttle: standard input is not a terminal: running without a pseudo-terminal (-t ignored)');
  const env = parseEnv(ctx.args.values.env);
  if (tty && process.env.TERM && !env.TERM) env.TERM = process.env.TERM;
  const request: ExecRequest = { command, tty, stdin: interactive, env };
  if (ctx.args.values.user) request.user = ctx.args.values.user[0];
  if (ctx.args.values.workdir) request.workdir = ctx.args.values.workdir[0];
  if (tty) {
    request.rows = process.stdout.rows || 24;
    request.cols = process.stdout.columns || 80;
  }
  const socket = await ctx.client.exec(app.spec.namespace, app.spec.name, request);
  const code = await relay(socket, tty, interactive);
  if (code !== 0) throw new CliError('', code);
}

/** Relays the terminal and the stream until the remote command exits; resolves with its exit code. */
function relay(socket: Duplex, tty: boolean, interactive: boolean): Promise<number> {
  const stdin = process.stdin;
  const raw = tty && interactive && stdin.isTTY;
  const restore = () => {
    if (raw && stdin.isTTY) stdin.setRawMode(false);
  };
  // Whatever happens, the local terminal gets its mode back.
  process.once('exit', restore);
  if (raw) stdin.setRawMode(true);

  return new Promise<number>((resolve) => {
    let exitCode: number | undefined;
    const send = (type: number, payload: Buffer | string = Buffer.alloc(0)) => socket.write(encodeFrame(type, 0, payload));
    const finish = (code: number) => {
      restore();
      process.off('exit', restore);
      stdin.pause();
      stdin.removeListener('data', onInput);
      process.stdout.removeListener('resize', onResize);
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeListener(sig, onSignal);
      resolve(code);
    };
    const onInput = (chunk: Buffer) => {
      if (!send(MsgType.EXEC_STDIN, chunk)) {
        stdin.pause();
        socket.once('drain', () => stdin.resume());
      }
    };
    const onResize = () => send(MsgType.EXEC_RESIZE, `${process.stdout.rows} ${process.stdout.columns}`);
    const onSignal = (sig: NodeJS.Signals) => send(MsgType.EXEC_SIGNAL, String(sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
    if (tty) process.stdout.on('resize', onResize);
    if (interactive) {
      stdin.on('data', onInput);
      stdin.once('end', () => send(MsgType.EXEC_EOF));
      stdin.resume();
    }

    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.type === MsgType.EXEC_STDOUT || frame.type === MsgType.EXEC_STDERR) {
          const out = frame.type === MsgType.EXEC_STDOUT ? process.stdout : process.stderr;
          if (!out.write(frame.payload)) {
            socket.pause();
            out.once('drain', () => socket.resume());
          }
        } else if (frame.type === MsgType.EXEC_EXIT) {
          const status = parseExitStatus(frame.payload.toString('utf8'));
          if (status.kind === 'error') process.stderr.write(`lttle: cannot run the command: ${status.message}\n`);
          exitCode = status.kind === 'exit' ? status.code : status.kind === 'signal' ? 128 + status.signal : 126;
        }
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (exitCode === undefined) process.stderr.write('lttle: the connection to the runtime was lost\n');
      finish(exitCode ?? 255);
    });
  });
}
