// One QEMU microVM: the process, its QMP connection and the control channel
// to the guest agent (PROTOCOL.md). Knows nothing of apps or flash policy.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import {
  clockPayload,
  encodeFrame,
  encodeRecords,
  FrameDecoder,
  LOG_STDERR,
  MACHINE_CHANNEL,
  MsgType,
  parseReclaimed,
  parseVolumeGrown,
  parseVolumeUsage,
  volumeGrowPayload,
  type Frame,
  type VolumeUsage,
} from './channel';
import { allocatedBytes, RECLAIM_SETTLING, waitUntilSettled, type MemoryReclaim } from './memory-file';
import { pageOut, type PageOut } from './page-out';
import { QmpClient } from './qmp';
import { qemuArgs, type OptionalDevice, type QemuSpec } from './qemu-command';
import { restoreSnapshot, saveSnapshot } from './snapshot';

/** What the agent needs to run the app (CONFIG records). */
export interface AgentConfig {
  args: string[];
  env: string[];
  workdir?: string;
  user?: string;
  hostname: string;
  volumes: { serial: string; path: string; readOnly: boolean }[];
  flash: string;
}

export interface MachineEvents {
  log: [stream: 'stdout' | 'stderr', data: Buffer];
  'agent-log': [line: string];
  started: [pid: number];
  exited: [how: string];
  flash: [reason: string];
  locks: [count: number];
  exit: [code: number | null];
}

export class Machine extends EventEmitter<MachineEvents> {
  private control?: net.Socket;
  private readonly decoder = new FrameDecoder();
  private readonly waiters = new Map<number, ((frame: Frame) => void)[]>();
  private exited = false;
  private nextExecChannel = 1;
  private readonly execSessions = new Map<number, (frame: Frame) => void>();
  readonly exitPromise: Promise<number | null>;
  /** Where the start went: from spawn until QMP answered, then until the control channel connected (ms). */
  readonly startTimings = { qmpMs: 0, controlMs: 0 };

  private constructor(
    readonly process: ChildProcess,
    readonly qmp: QmpClient,
    private readonly spec: QemuSpec,
  ) {
    super();
    this.exitPromise = new Promise((resolve) => {
      process.once('exit', (code) => {
        this.exited = true;
        this.control?.destroy();
        this.qmp.close();
        // Sessions learn that their machine is gone.
        for (const [channel, onFrame] of this.execSessions) onFrame({ type: MsgType.EXEC_EXIT, channel, payload: Buffer.from('error the machine stopped') });
        this.execSessions.clear();
        this.emit('exit', code);
        resolve(code);
      });
    });
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  get running(): boolean {
    return !this.exited;
  }

  get devices(): readonly OptionalDevice[] {
    return this.spec.devices;
  }

  /** Starts QEMU and connects to it; `agent` is sent unless the machine is restoring a snapshot. */
  static async start(spec: QemuSpec, qemuLog: string, agent?: AgentConfig): Promise<Machine> {
    for (const socket of [spec.qmpSocket, spec.controlSocket]) fs.rmSync(socket, { force: true });
    const t0 = performance.now();
    const log = fs.openSync(qemuLog, 'a');
    // Its own process group: a Ctrl-C meant for a CLI never reaches the VMs.
    const child = spawn('qemu-system-x86_64', qemuArgs(spec), { stdio: ['ignore', log, log], detached: true });
    fs.closeSync(log);
    const early = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`qemu exited at start (code ${code}): ${tail(qemuLog)}`)));
    });
    const qmp = await Promise.race([QmpClient.connect(spec.qmpSocket), early]);
    const machine = new Machine(child, qmp, spec);
    const t1 = performance.now();
    await Promise.race([machine.connectControl(), early]);
    machine.startTimings.qmpMs = t1 - t0;
    machine.startTimings.controlMs = performance.now() - t1;
    // Started: a later exit rejects `early` with no one waiting, and the exit handler reports it.
    early.catch(() => undefined);
    if (agent) machine.send(MsgType.CONFIG, MACHINE_CHANNEL, encodeRecords(configRecords(agent)));
    return machine;
  }

  private async connectControl(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        this.control = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(this.spec.controlSocket);
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`cannot connect to the guest control channel: ${(err as Error).message}`);
        // Short: a restore from deep suspend waits on this before the first byte is served.
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    this.control.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) this.onFrame(frame);
    });
    this.control.on('error', () => undefined);
  }

  private onFrame(frame: Frame): void {
    const waiting = this.waiters.get(frame.type);
    if (waiting?.length) {
      waiting.shift()!(frame);
      return;
    }
    const text = () => frame.payload.toString('utf8');
    switch (frame.type) {
      case MsgType.LOG:
        this.emit('log', frame.channel === LOG_STDERR ? 'stderr' : 'stdout', frame.payload);
        break;
      case MsgType.AGENT_LOG:
        this.emit('agent-log', text());
        break;
      case MsgType.STARTED:
        this.emit('started', Number(text()));
        break;
      case MsgType.EXITED:
        this.emit('exited', text());
        break;
      case MsgType.FLASH:
        this.emit('flash', text());
        break;
      case MsgType.LOCKS:
        this.emit('locks', Number(text()));
        break;
      default:
        if (frame.channel !== MACHINE_CHANNEL) this.execSessions.get(frame.channel)?.(frame);
    }
  }

  /** A new exec channel whose guest frames go to `onFrame`; call the result to stop listening. */
  openExecChannel(onFrame: (frame: Frame) => void): { channel: number; close: () => void } {
    const channel = this.nextExecChannel++;
    this.execSessions.set(channel, onFrame);
    return { channel, close: () => this.execSessions.delete(channel) };
  }

  send(type: number, channel: number, payload: Buffer | string = Buffer.alloc(0)): void {
    if (!this.control || this.control.destroyed) throw new Error('the guest control channel is closed');
    this.control.write(encodeFrame(type, channel, typeof payload === 'string' ? Buffer.from(payload) : payload));
  }

  /** Waits for the next frame of a type, bypassing the events. */
  private nextFrame(type: number, timeoutMs: number): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(type) ?? [];
      const timer = setTimeout(() => {
        const i = list.indexOf(done);
        if (i >= 0) list.splice(i, 1);
        reject(new Error(`the guest agent did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (frame: Frame) => {
        clearTimeout(timer);
        resolve(frame);
      };
      list.push(done);
      this.waiters.set(type, list);
    });
  }

  /** Sets the guest's wall clock from the host's and waits until the agent confirms. */
  async syncClock(timeoutMs = 2000): Promise<void> {
    const answer = this.nextFrame(MsgType.CLOCK_SET, timeoutMs);
    this.send(MsgType.CLOCK, MACHINE_CHANNEL, clockPayload());
    await answer;
  }

  /**
   * Grows a mounted volume online: the caller has grown its backing file; QEMU
   * learns the new disk size (block_resize), then the agent grows the ext4
   * filesystem in place (VOLUME_GROW). Resolves with the filesystem's new size.
   */
  async growVolume(serial: string, bytes: number, timeoutMs = 120_000): Promise<number> {
    const index = this.spec.disks.findIndex((d) => d.serial === serial);
    if (index < 0) throw new Error(`the machine has no disk ${serial}`);
    // Drives are named disk<i> in the order of spec.disks (qemu-command.ts).
    await this.qmp.execute('block_resize', { device: `disk${index}`, size: bytes });
    const answer = this.nextFrame(MsgType.VOLUME_GROWN, timeoutMs);
    this.send(MsgType.VOLUME_GROW, MACHINE_CHANNEL, volumeGrowPayload(serial, bytes));
    const grown = parseVolumeGrown((await answer).payload);
    if (grown.error) throw new Error(`the guest could not grow ${serial}: ${grown.error}`);
    return grown.sizeBytes ?? 0;
  }

  /**
   * Switches disk `serial` to `overlay`, an existing qcow2 whose backing file holds the
   * disk's current bytes (QMP blockdev-snapshot-sync; in-flight writes are drained first).
   */
  async snapshotDisk(serial: string, overlay: string): Promise<void> {
    const device = this.driveOf(serial);
    await this.qmp.execute('blockdev-snapshot-sync', { device, 'snapshot-file': overlay, format: 'qcow2', mode: 'existing' });
  }

  /** Copies every block of the disk's backing chain into its top file and drops the chain (QMP block-stream). */
  async streamDisk(serial: string, timeoutMs = 600_000): Promise<void> {
    const device = this.driveOf(serial);
    const job = `stream-${device}`;
    await this.qmp.execute('block-stream', { 'job-id': job, device });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const jobs = await this.qmp.execute<{ device: string }[]>('query-block-jobs');
      if (!jobs.some((j) => j.device === job)) break;
      if (Date.now() > deadline) throw new Error(`streaming disk ${serial} did not finish within ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const blocks = await this.qmp.execute<{ device: string; inserted?: { image: { 'backing-image'?: unknown } } }[]>('query-block');
    if (blocks.find((b) => b.device === device)?.inserted?.image['backing-image'])
      throw new Error(`streaming disk ${serial} failed: it still has a backing file`);
  }

  /** Drives are named disk<i> in the order of spec.disks (qemu-command.ts). */
  private driveOf(serial: string): string {
    const index = this.spec.disks.findIndex((d) => d.serial === serial);
    if (index < 0) throw new Error(`the machine has no disk ${serial}`);
    return `disk${index}`;
  }

  /** statfs of every mounted volume, as the guest sees it (df). */
  async volumeUsage(timeoutMs = 3000): Promise<VolumeUsage[]> {
    const answer = this.nextFrame(MsgType.VOLUME_USAGE_REPLY, timeoutMs);
    this.send(MsgType.VOLUME_USAGE, MACHINE_CHANNEL);
    return parseVolumeUsage((await answer).payload);
  }

  /**
   * Asks the running guest to drop its clean caches (RECLAIM), then waits while
   * free page reporting punches the freed memory out of the memory file. Throws
   * when the guest cannot give memory back (no balloon, no answer).
   */
  async reclaimMemory(timeoutMs = 10_000): Promise<MemoryReclaim> {
    const file = this.spec.memoryFile;
    if (!file || !this.spec.devices.includes('balloon')) throw new Error('the machine has no balloon device to hand memory back through');
    const started = Date.now();
    const beforeBytes = allocatedBytes(file);
    const answer = this.nextFrame(MsgType.RECLAIMED, timeoutMs);
    this.send(MsgType.RECLAIM, MACHINE_CHANNEL);
    const reclaimed = parseReclaimed((await answer).payload);
    if (!reclaimed.balloon) throw new Error('the guest has no balloon driver bound (free page reporting does not run)');
    const afterBytes = await waitUntilSettled(file, RECLAIM_SETTLING);
    return { beforeBytes, afterBytes, guestFreeBytes: reclaimed.freeBytes, ms: Date.now() - started };
  }

  /** The paused guest's RAM written back and dropped from host memory (page-out.ts). */
  pageOutMemory(): Promise<PageOut> {
    if (!this.spec.memoryFile) return Promise.reject(new Error('the machine has no memory file to page out to'));
    return pageOut(this.pid, this.spec.memoryFile);
  }

  /** Pauses the vCPUs (suspend). */
  async pause(): Promise<void> {
    await this.qmp.execute('stop');
  }

  async resume(): Promise<void> {
    await this.qmp.execute('cont');
  }

  /** Saves the device state of the paused machine to `file` (atomically). */
  saveSnapshot(file: string): Promise<void> {
    return saveSnapshot(this.qmp, file);
  }

  /** Loads `file` into a machine started with `incoming`; it stays paused. */
  loadSnapshot(file: string): Promise<void> {
    return restoreSnapshot(this.qmp, file);
  }

  /** Asks the agent to stop the app with `signal`, sync and power off; kills QEMU if that takes too long. */
  async shutdown(signal: number, graceSeconds: number): Promise<void> {
    if (this.exited) return;
    try {
      const status = await this.qmp.execute<{ running: boolean }>('query-status');
      if (!status.running) await this.resume();
      this.send(MsgType.SHUTDOWN, MACHINE_CHANNEL, `${signal} ${graceSeconds}`);
    } catch {
      // the channel or QMP is gone: only the kill below is left
    }
    const timer = setTimeout(() => this.kill(), (graceSeconds + 10) * 1000);
    await this.exitPromise;
    clearTimeout(timer);
  }

  kill(): void {
    if (!this.exited) this.process.kill('SIGKILL');
  }
}

function configRecords(agent: AgentConfig): [string, string][] {
  const records: [string, string][] = [];
  for (const arg of agent.args) records.push(['arg', arg]);
  for (const env of agent.env) records.push(['env', env]);
  if (agent.workdir) records.push(['workdir', agent.workdir]);
  if (agent.user) records.push(['user', agent.user]);
  records.push(['hostname', agent.hostname]);
  for (const v of agent.volumes) records.push(['volume', `${v.serial}:${v.path}${v.readOnly ? ':ro' : ''}`]);
  records.push(['flash', agent.flash]);
  return records;
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '(no output)';
  }
}
