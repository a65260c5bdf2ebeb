// Running one command in a guest from the daemon (no client attached): the
// exec channel of PROTOCOL.md, stdin sent whole, output collected. For short
// administrative commands; `machine exec` sessions use api/exec-stream.ts.
import { encodeRecords, MsgType, type Frame } from '../vm/channel';
import type { RunningMachine } from './machine-driver';

export interface GuestExecResult {
  /** The agent's EXEC_EXIT text: "exit CODE", "signal N" or "error MESSAGE". */
  exit: string;
  stdout: string;
  stderr: string;
}

export function execInGuest(
  machine: RunningMachine,
  command: string[],
  env: Record<string, string>,
  stdin: string,
  timeoutMs = 120_000,
): Promise<GuestExecResult> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => {
      session.close();
      reject(new Error(`${command[0]} in the guest did not finish within ${timeoutMs / 1000}s`));
    }, timeoutMs);
    const session = machine.openExecChannel((frame: Frame) => {
      if (frame.type === MsgType.EXEC_STDOUT || frame.type === MsgType.EXEC_STDERR) {
        (frame.type === MsgType.EXEC_STDOUT ? out : err).push(frame.payload);
        // Output is consumed at once: give the credit back.
        machine.send(MsgType.EXEC_CREDIT, session.channel, String(frame.payload.length));
      } else if (frame.type === MsgType.EXEC_EXIT) {
        clearTimeout(timer);
        session.close();
        resolve({ exit: frame.payload.toString('utf8'), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      }
    });
    const records: [string, string][] = command.map((a) => ['arg', a]);
    for (const [k, v] of Object.entries(env)) records.push(['env', `${k}=${v}`]);
    records.push(['stdin', '1']);
    machine.send(MsgType.EXEC_START, session.channel, encodeRecords(records));
    machine.send(MsgType.EXEC_STDIN, session.channel, Buffer.from(stdin, 'utf8'));
    machine.send(MsgType.EXEC_EOF, session.channel);
  });
}
