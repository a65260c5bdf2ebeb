// Integration test: the real guest kernel + initramfs + postgres:17-flash image
// in a QEMU microvm (TCG), driven over the control channel with vm/channel.
// Needs `make guest-test-prereqs` (kernel, agent, image, qemu, psql).
import assert from 'node:assert/strict';
import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Frame,
  FrameDecoder,
  MsgType,
  clockPayload,
  encodeFrame,
  encodeRecords,
  parseReclaimed,
  parseVolumeGrown,
  parseVolumeUsage,
  RecordEntry,
  volumeGrowPayload,
} from '../../runtime/src/vm/channel';
import { packageRoot } from '../../schema/src/paths';
import { ImageStore } from '../../runtime/src/image/image-store';
import type { ImageConfig } from '../../runtime/src/image/oci';
import { freePort } from '../../runtime/src/proxy/service-proxy';
import { BOOT_DEVICES, qemuArgs } from '../../runtime/src/vm/qemu-command';
import { QmpClient } from '../../runtime/src/vm/qmp';
import { createExt4 } from '../../runtime/src/volume/ext4';

const BUILD = path.join(packageRoot(), 'build');
const GUEST = path.join(BUILD, 'guest');
const IMAGE = path.join(BUILD, 'images', 'postgres-17-flash');
const REFERENCE = 'ghcr.io/lttle-cloud/postgres:17-flash';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;
const PGDATA = '/var/lib/postgresql/data';

interface ExecResult {
  stdout: string;
  stderr: string;
  exit: string;
}

/** One QEMU microvm with a connected control channel. */
class Vm {
  readonly frames: Array<Frame & { at: number }> = [];
  proc!: ChildProcess;
  sock!: net.Socket;
  qemuExit!: Promise<number | null>;
  readonly consoleLog: string;
  private waiters: Array<() => void> = [];
  private decoder = new FrameDecoder();
  private nextChannel = 1;
  readonly started = Date.now();

  constructor(
    readonly dir: string,
    readonly port: number,
  ) {
    this.consoleLog = path.join(dir, 'console.log');
  }

  async boot(overlay: string, volume: string): Promise<void> {
    const ctl = path.join(this.dir, 'ctl.sock');
    // The runtime's own command line (vm/qemu-command), with the control channel driven by this test.
    const args = qemuArgs({
      kernel: path.join(GUEST, 'vmlinuz'),
      initrd: path.join(GUEST, 'initramfs.cpio.gz'),
      cpus: 1,
      memoryMiB: 512,
      accel: 'tcg',
      disks: [
        { serial: 'root', file: overlay, format: 'qcow2', readOnly: false },
        { serial: 'vol0', file: volume, format: 'raw', readOnly: false },
      ],
      forwards: [{ hostPort: this.port, guestPort: 5432 }],
      qmpSocket: path.join(this.dir, 'qmp.sock'),
      controlSocket: ctl,
      consoleLog: this.consoleLog,
      devices: BOOT_DEVICES,
    });
    this.proc = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'inherit', 'inherit'] });
    this.qemuExit = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
    void this.qemuExit.then(() => this.wake());
    for (let i = 0; ; i++) {
      try {
        this.sock = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(ctl, () => resolve(s));
          s.once('error', reject);
        });
        break;
      } catch (e) {
        if (i > 200 || this.proc.exitCode !== null) throw e;
        await sleep(50);
      }
    }
    this.sock.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) this.frames.push({ ...f, at: Date.now() });
      this.wake();
    });
    this.sock.on('error', () => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }

  send(type: number, channel: number, payload: Buffer | string = Buffer.alloc(0)): void {
    this.sock.write(encodeFrame(type, channel, payload));
  }

  /** Resolves with the first frame at index >= from that matches. */
  async waitFrame(pred: (f: Frame) => boolean, timeoutMs: number, what: string, from = 0): Promise<Frame & { at: number }> {
    const deadline = Date.now() + timeoutMs;
    for (let i = from; ;) {
      for (; i < this.frames.length; i++) if (pred(this.frames[i])) return this.frames[i];
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`qemu exited while waiting for ${what}\n${this.diagnostics()}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}\n${this.diagnostics()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  logText(from = 0): string {
    return this.frames
      .slice(from)
      .filter((f) => f.type === MsgType.LOG)
      .map((f) => f.payload.toString('utf8'))
      .join('');
  }

  /** Index of the LOG frame where `text` completes (searching the joined log). */
  async waitLog(text: string, timeoutMs: number): Promise<number> {
    const f = await this.waitFrame(() => this.logText().includes(text), timeoutMs, `log "${text}"`);
    return this.frames.indexOf(f);
  }

  diagnostics(): string {
    const agent = this.frames.filter((f) => f.type === MsgType.AGENT_LOG).map((f) => `agent: ${f.payload}`);
    let consoleText = '';
    try {
      consoleText = fs.readFileSync(this.consoleLog, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      consoleText = '(no console log)';
    }
    return [...agent, '--- app log (tail) ---', this.logText().slice(-3000), '--- console (tail) ---', consoleText].join('\n');
  }

  async exec(records: RecordEntry[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    const ch = this.nextChannel++;
    const from = this.frames.length;
    this.send(MsgType.EXEC_START, ch, encodeRecords(records));
    if (opts.stdin !== undefined) {
      this.send(MsgType.EXEC_STDIN, ch, opts.stdin);
      this.send(MsgType.EXEC_EOF, ch);
    }
    const end = await this.waitFrame((f) => f.channel === ch && f.type === MsgType.EXEC_EXIT, opts.timeoutMs ?? 60_000, `exec ${ch} to end`, from);
    const mine = this.frames.slice(from).filter((f) => f.channel === ch);
    const text = (t: number) =>
      mine
        .filter((f) => f.type === t)
        .map((f) => f.payload.toString('utf8'))
        .join('');
    return { stdout: text(MsgType.EXEC_STDOUT), stderr: text(MsgType.EXEC_STDERR), exit: end.payload.toString() };
  }

  /** Drop the control connection and open a new one (a host runtime restart). */
  async reconnect(): Promise<void> {
    this.sock.destroy();
    this.decoder.reset();
    const ctl = path.join(this.dir, 'ctl.sock');
    this.sock = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(ctl, () => resolve(s));
      s.once('error', reject);
    });
    this.sock.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) this.frames.push({ ...f, at: Date.now() });
      this.wake();
    });
    this.sock.on('error', () => undefined);
  }

  kill(): void {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    this.sock?.destroy();
  }
}

function psql(port: number, sql: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'psql',
      ['-h', '127.0.0.1', '-p', String(port), '-U', 'user', '-d', 'db', '-w', '-X', '-At', '-c', sql],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PGPASSFILE: '/dev/null', PGCONNECT_TIMEOUT: '20', ...env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('guest boot: postgres:17-flash in a QEMU microvm (TCG)', function () {
  this.timeout(300_000);

  let work: string;
  let rootfs: string;
  let volume: string;
  let config: ImageConfig;
  let vm: Vm;
  const vms: Vm[] = [];

  function configRecords(flash: string): RecordEntry[] {
    const c = config.config ?? {};
    const recs: RecordEntry[] = [...(c.Entrypoint ?? []), ...(c.Cmd ?? [])].map((a) => ['arg', a] as const);
    for (const e of c.Env ?? []) recs.push(['env', e]);
    recs.push(
      ['env', 'POSTGRES_USER=user'],
      ['env', 'POSTGRES_PASSWORD=password'],
      ['env', 'POSTGRES_DB=db'],
      ['workdir', c.WorkingDir || '/'],
      ['hostname', 'postgresql'],
      ['volume', 'vol0:/var/lib/postgresql/data'],
      ['flash', flash],
      ['clock', clockPayload()],
    );
    return recs;
  }

  async function bootVm(name: string, flash: string): Promise<Vm> {
    const dir = path.join(work, name);
    fs.mkdirSync(dir);
    const overlay = path.join(dir, 'root.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', rootfs, overlay]);
    const v = new Vm(dir, await freePort());
    vms.push(v);
    await v.boot(overlay, volume);
    v.send(MsgType.CONFIG, 0, encodeRecords(configRecords(flash)));
    return v;
  }

  before(async function () {
    for (const f of [path.join(GUEST, 'vmlinuz'), path.join(GUEST, 'initramfs.cpio.gz'), path.join(IMAGE, 'index.json')]) {
      assert.ok(fs.existsSync(f), `${f} is missing: run \`make guest-test-prereqs\``);
    }
    // The runtime's image store (shared with the other suites) builds the ext4 root filesystem once.
    const image = await new ImageStore(path.join(BUILD, 'image-store'), [IMAGE]).rootfs(REFERENCE);
    config = image.config;
    rootfs = image.rootfs;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-guest-boot-'));
    volume = path.join(work, 'vol0.img');
    await createExt4(volume, 100 * MiB);

    vm = await bootVm('boot1', 'manual');
    await vm.waitFrame((f) => f.type === MsgType.FLASH, 240_000, 'FLASH');
    console.log(`      (first boot: initdb + server up + FLASH after ${((Date.now() - vm.started) / 1000).toFixed(1)} s)`);
  });

  after(function () {
    for (const v of vms) {
      v.kill();
      fs.writeFileSync(path.join(v.dir, 'app.log'), v.logText());
      fs.writeFileSync(path.join(v.dir, 'agent.log'), v.diagnostics());
    }
    // LTTLE_KEEP_TEST_DIRS=1 keeps the disks and logs for a post-mortem
    if (work && !process.env.LTTLE_KEEP_TEST_DIRS) fs.rmSync(work, { recursive: true, force: true });
    else if (work) console.log(`      (kept ${work})`);
  });

  it('starts the entrypoint, runs initdb and loads lttle_pg', function () {
    const started = vm.frames.filter((f) => f.type === MsgType.STARTED);
    assert.equal(started.length, 1);
    assert.match(started[0].payload.toString(), /^\d+$/);
    const log = vm.logText();
    for (const line of [
      'The files belonging to this database system will be owned by user "postgres".',
      'fixing permissions on existing directory /var/lib/postgresql/data ... ok',
      'Success. You can now start the database server using:',
      'lttle_pg: init',
      'lttle_pg: flash ready worker',
      'database system is ready to accept connections',
    ]) {
      assert.ok(log.includes(line), `log lacks ${JSON.stringify(line)}\n${vm.diagnostics()}`);
    }
    assert.ok(!log.includes('enabling "trust" authentication'), 'initdb warned about trust authentication');
    // stdout and stderr arrive on their own channels
    assert.ok(vm.frames.some((f) => f.type === MsgType.LOG && f.channel === 1));
    assert.ok(vm.frames.some((f) => f.type === MsgType.LOG && f.channel === 2));
  });

  it('sends FLASH manual once, after the final server is up (not for the init server)', async function () {
    await sleep(1500);
    const flashes = vm.frames.filter((f) => f.type === MsgType.FLASH);
    assert.equal(flashes.length, 1);
    assert.equal(flashes[0].payload.toString(), 'manual');
    const upto = vm.frames
      .slice(0, vm.frames.indexOf(flashes[0]))
      .filter((f) => f.type === MsgType.LOG)
      .map((f) => f.payload.toString())
      .join('');
    // the temporary server ran the worker too, but did not signal ready
    assert.ok(upto.includes('lttle_pg: server has no TCP listener'), vm.diagnostics());
    const initDone = upto.indexOf('PostgreSQL init process complete');
    assert.ok(initDone >= 0, 'FLASH came before the entrypoint finished initialising');
    assert.ok(upto.indexOf('database system is ready to accept connections', initDone) > initDone);
  });

  it('accepts the password login through the port forward and refuses others', async function () {
    const ok = await psql(vm.port, 'select 1', { PGPASSWORD: 'password' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), '1');
    const wrong = await psql(vm.port, 'select 1', { PGPASSWORD: 'nope' });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /password authentication failed/);
    const none = await psql(vm.port, 'select 1', {});
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /no password supplied|password authentication failed/);
  });

  it('holds a flash lock while a query runs', async function () {
    const from = vm.frames.length;
    const t0 = Date.now();
    const res = await psql(vm.port, 'select pg_sleep(1)', { PGPASSWORD: 'password' });
    assert.equal(res.code, 0, res.stderr);
    const taken = await vm.waitFrame((f) => f.type === MsgType.LOCKS && f.payload.toString() !== '0', 5000, 'LOCKS n>0', from);
    const released = await vm.waitFrame((f) => f.type === MsgType.LOCKS && f.payload.toString() === '0', 5000, 'LOCKS 0', from);
    assert.ok(taken.at >= t0 && released.at > taken.at);
    assert.ok(released.at - taken.at >= 900, `lock held ${released.at - taken.at} ms`);
  });

  it('runs exec sessions with separate stdout/stderr and the exit code', async function () {
    const r = await vm.exec([
      ['arg', 'sh'],
      ['arg', '-c'],
      ['arg', 'echo out; echo err >&2; exit 3'],
    ]);
    assert.deepEqual(r, { stdout: 'out\n', stderr: 'err\n', exit: 'exit 3' });
  });

  it('runs a tty exec session on a pseudo-terminal', async function () {
    const r = await vm.exec([
      ['arg', 'tty'],
      ['tty', '1'],
      ['rows', '30'],
      ['cols', '100'],
    ]);
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
    assert.equal(r.stderr, '');
    assert.equal(r.exit, 'exit 0');
  });

  it('passes stdin, EOF and signals to exec sessions', async function () {
    const cat = await vm.exec(
      [
        ['arg', 'cat'],
        ['stdin', '1'],
      ],
      { stdin: 'abc\n' },
    );
    assert.deepEqual(cat, { stdout: 'abc\n', stderr: '', exit: 'exit 0' });

    const missing = await vm.exec([['arg', 'no-such-command']]);
    assert.match(missing.exit, /^error .*no-such-command/);

    const ch = 1000;
    const from = vm.frames.length;
    vm.send(
      MsgType.EXEC_START,
      ch,
      encodeRecords([
        ['arg', 'sh'],
        ['arg', '-c'],
        ['arg', 'sleep 300 & sleep 300'],
      ]),
    );
    await sleep(500);
    vm.send(MsgType.EXEC_SIGNAL, ch, '9');
    const end = await vm.waitFrame((f) => f.channel === ch && f.type === MsgType.EXEC_EXIT, 10_000, 'killed session', from);
    assert.equal(end.payload.toString(), 'signal 9');
    const ps = await vm.exec([
      ['arg', 'sh'],
      ['arg', '-c'],
      ['arg', 'ps -eo args 2>/dev/null || cat /proc/*/cmdline | tr "\\0" " "'],
    ]);
    assert.ok(!ps.stdout.includes('sleep 300'), `session processes survived:\n${ps.stdout}`);
  });

  it('sets the guest clock on CLOCK', async function () {
    const target = 1893456000; // 2030-01-01
    const from = vm.frames.length;
    vm.send(MsgType.CLOCK, 0, `${target}000000000`);
    await vm.waitFrame((f) => f.type === MsgType.CLOCK_SET, 10_000, 'CLOCK_SET', from);
    const r = await vm.exec([
      ['arg', 'date'],
      ['arg', '+%s'],
    ]);
    const guest = Number(r.stdout.trim());
    assert.ok(guest >= target && guest < target + 60, `guest clock ${r.stdout}`);
    vm.send(MsgType.CLOCK, 0, clockPayload());
    await vm.waitFrame((f) => f.type === MsgType.CLOCK_SET, 10_000, 'CLOCK_SET', vm.frames.length - 1);
  });

  it('drops clean caches on RECLAIM with the balloon driver bound, and the database keeps its rows', async function () {
    const cachedKiB = async () =>
      Number(
        /^Cached:\s+(\d+) kB/m.exec(
          (
            await vm.exec([
              ['arg', 'cat'],
              ['arg', '/proc/meminfo'],
            ])
          ).stdout,
        )?.[1],
      );
    const sql = (q: string) => psql(vm.port, q, { PGPASSWORD: 'password' });
    assert.equal((await sql('create table reclaim_rows as select generate_series(1, 5000) n')).code, 0);
    // Reading files fills the page cache that RECLAIM should drop.
    await vm.exec([
      ['arg', 'sh'],
      ['arg', '-c'],
      ['arg', 'cat /usr/lib/postgresql/*/bin/* > /dev/null'],
    ]);
    const before = await cachedKiB();
    const from = vm.frames.length;
    vm.send(MsgType.RECLAIM, 0);
    const answer = parseReclaimed((await vm.waitFrame((f) => f.type === MsgType.RECLAIMED, 30_000, 'RECLAIMED', from)).payload);
    assert.deepEqual({ balloon: answer.balloon, dropped: answer.dropped }, { balloon: true, dropped: true });
    assert.ok(answer.freeBytes > 0);
    const after = await cachedKiB();
    assert.ok(after < before / 2, `page cache ${before} kB before RECLAIM, ${after} kB after`);
    assert.equal((await sql('select count(*) from reclaim_rows')).stdout.trim(), '5000');
  });

  it('answers PING with PONG', async function () {
    const from = vm.frames.length;
    vm.send(MsgType.PING, 0, 'hello');
    const pong = await vm.waitFrame((f) => f.type === MsgType.PONG, 10_000, 'PONG', from);
    assert.equal(pong.payload.toString(), 'hello');
  });

  it('runs many exec sessions at once', async function () {
    const results = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((i) =>
        vm.exec([
          ['arg', 'sh'],
          ['arg', '-c'],
          ['arg', `sleep 0.${i}; echo session ${i}`],
        ]),
      ),
    );
    results.forEach((r, i) => assert.deepEqual(r, { stdout: `session ${i + 1}\n`, stderr: '', exit: 'exit 0' }));
  });

  it('stops session output at the credit and resumes on EXEC_CREDIT', async function () {
    const ch = 2000;
    const from = vm.frames.length;
    const out = () =>
      vm.frames
        .slice(from)
        .filter((f) => f.channel === ch && f.type === MsgType.EXEC_STDOUT)
        .reduce((n, f) => n + f.payload.length, 0);
    vm.send(
      MsgType.EXEC_START,
      ch,
      encodeRecords([
        ['arg', 'head'],
        ['arg', '-c'],
        ['arg', '1000000'],
        ['arg', '/dev/zero'],
      ]),
    );
    await vm.waitFrame(() => out() >= 256 * 1024, 20_000, 'the first 256 KiB', from);
    await sleep(1000);
    assert.equal(out(), 256 * 1024, 'sent past the credit');
    assert.ok(!vm.frames.slice(from).some((f) => f.channel === ch && f.type === MsgType.EXEC_EXIT));
    vm.send(MsgType.EXEC_CREDIT, ch, String(1_000_000));
    const end = await vm.waitFrame((f) => f.channel === ch && f.type === MsgType.EXEC_EXIT, 20_000, 'end', from);
    assert.equal(end.payload.toString(), 'exit 0');
    assert.equal(out(), 1_000_000);
  });

  it('resizes a tty session', async function () {
    const ch = 3000;
    const from = vm.frames.length;
    vm.send(
      MsgType.EXEC_START,
      ch,
      encodeRecords([
        ['arg', 'sh'],
        ['arg', '-c'],
        ['arg', 'stty size; sleep 1; stty size'],
        ['tty', '1'],
        ['rows', '30'],
        ['cols', '100'],
      ]),
    );
    await vm.waitFrame((f) => f.channel === ch && f.payload.toString().includes('30 100'), 10_000, 'first size', from);
    vm.send(MsgType.EXEC_RESIZE, ch, '40 120');
    await vm.waitFrame((f) => f.channel === ch && f.type === MsgType.EXEC_EXIT, 10_000, 'end', from);
    const text = vm.frames
      .slice(from)
      .filter((f) => f.channel === ch && f.type === MsgType.EXEC_STDOUT)
      .map((f) => f.payload.toString())
      .join('');
    assert.match(text, /30 100\r?\n40 120/);
  });

  it('keeps working when the host reconnects to the control port', async function () {
    await vm.reconnect();
    const from = vm.frames.length;
    vm.send(MsgType.PING, 0, 'again');
    const pong = await vm.waitFrame((f) => f.type === MsgType.PONG, 10_000, 'PONG after reconnect', from);
    assert.equal(pong.payload.toString(), 'again');
    const r = await vm.exec([
      ['arg', 'echo'],
      ['arg', 'still here'],
    ]);
    assert.equal(r.stdout, 'still here\n');
  });

  /** df of a path in the guest, in bytes: [size, used, avail]. */
  async function guestDf(v: Vm, dir: string): Promise<number[]> {
    const r = await v.exec([
      ['arg', 'df'],
      ['arg', '-B1'],
      ['arg', '--output=size,used,avail'],
      ['arg', dir],
    ]);
    assert.equal(r.exit, 'exit 0', r.stderr);
    return r.stdout.trim().split('\n')[1].trim().split(/\s+/).map(Number);
  }

  it('sizes WAL to the volume: pgbench -i -s 2 (about 30 MB of data) fits the 100 MiB volume', async function () {
    this.timeout(600_000);
    // An 88 MB filesystem: 2 MB segments (1/32, a power of two), max_wal_size a fifth, min two segments.
    const conf = await vm.exec([
      ['arg', 'cat'],
      ['arg', `${PGDATA}/lttle.wal.conf`],
    ]);
    assert.match(conf.stdout, /^min_wal_size = 4MB$/m, conf.stdout + conf.stderr);
    assert.match(conf.stdout, /^max_wal_size = 17MB$/m, conf.stdout);
    const shown = await psql(
      vm.port,
      "select string_agg(setting || coalesce(unit, ''), ' ' order by name) from pg_settings where name in ('max_wal_size', 'min_wal_size', 'wal_segment_size')",
      { PGPASSWORD: 'password' },
    );
    assert.equal(shown.stdout.trim(), '17MB 4MB 2097152B', shown.stderr);
    const t0 = Date.now();
    const bench = await vm.exec(
      [...['pgbench', '-i', '-s', '2', '-h', '127.0.0.1', '-U', 'user', 'db'].map((a) => ['arg', a] as const), ['env', 'PGPASSWORD=password']],
      { timeoutMs: 540_000 },
    );
    const [size, used] = await guestDf(vm, PGDATA);
    console.log(
      `      (pgbench -i -s 2: ${((Date.now() - t0) / 1000).toFixed(1)} s; volume ${(used / MiB).toFixed(1)} of ${(size / MiB).toFixed(1)} MiB used)`,
    );
    assert.equal(bench.exit, 'exit 0', `${bench.stderr}\n${vm.diagnostics()}`);
    const rows = await psql(vm.port, 'select count(*) from pgbench_accounts', { PGPASSWORD: 'password' });
    assert.equal(rows.stdout.trim(), '200000', rows.stderr);
  });

  it('grows the data volume online (VOLUME_GROW) and reports its usage (VOLUME_USAGE)', async function () {
    const usage = async () => {
      const from = vm.frames.length;
      vm.send(MsgType.VOLUME_USAGE, 0);
      const reply = await vm.waitFrame((f) => f.type === MsgType.VOLUME_USAGE_REPLY, 10_000, 'VOLUME_USAGE_REPLY', from);
      const vols = parseVolumeUsage(reply.payload);
      assert.equal(vols.length, 1, reply.payload.toString());
      assert.equal(vols[0].volume, 'vol0');
      assert.equal(vols[0].path, PGDATA);
      return vols[0];
    };
    const before = await usage();
    assert.ok(before.totalBytes > 80 * MiB && before.totalBytes <= 100 * MiB, `total ${before.totalBytes}`);
    assert.equal(before.usedBytes + before.freeBytes, before.totalBytes);

    // The host's part: the backing file, then the virtio disk (vol0 is the second disk, disk1).
    fs.truncateSync(volume, 200 * MiB);
    const qmp = await QmpClient.connect(path.join(vm.dir, 'qmp.sock'));
    try {
      await qmp.execute('block_resize', { device: 'disk1', size: 200 * MiB });
    } finally {
      qmp.close();
    }
    const from = vm.frames.length;
    vm.send(MsgType.VOLUME_GROW, 0, volumeGrowPayload('vol0', 200 * MiB));
    const grown = parseVolumeGrown((await vm.waitFrame((f) => f.type === MsgType.VOLUME_GROWN, 60_000, 'VOLUME_GROWN', from)).payload);
    assert.deepEqual(grown, { volume: 'vol0', path: PGDATA, sizeBytes: 200 * MiB });

    const after = await usage();
    // 100 MiB more disk, less the new block groups' inode tables
    assert.ok(after.totalBytes > before.totalBytes + 90 * MiB, `total ${before.totalBytes} -> ${after.totalBytes}`);
    const [size, used, avail] = await guestDf(vm, PGDATA);
    assert.equal(size, after.totalBytes, 'df and VOLUME_USAGE disagree on the size');
    // PostgreSQL may write between the two looks
    assert.ok(Math.abs(used - after.usedBytes) < 4 * MiB, `df used ${used}, VOLUME_USAGE ${after.usedBytes}`);
    assert.ok(Math.abs(avail - after.availableBytes) < 4 * MiB, `df avail ${avail}, VOLUME_USAGE ${after.availableBytes}`);

    // Naming the volume by its path works too; a volume that is not mounted is an error.
    const from2 = vm.frames.length;
    vm.send(MsgType.VOLUME_GROW, 0, volumeGrowPayload(PGDATA));
    vm.send(MsgType.VOLUME_GROW, 0, volumeGrowPayload('vol9'));
    await vm.waitFrame(() => vm.frames.slice(from2).filter((f) => f.type === MsgType.VOLUME_GROWN).length === 2, 30_000, 'two VOLUME_GROWN', from2);
    const [byPath, missing] = vm.frames
      .slice(from2)
      .filter((f) => f.type === MsgType.VOLUME_GROWN)
      .map((f) => parseVolumeGrown(f.payload));
    assert.deepEqual(byPath, { volume: 'vol0', path: PGDATA, sizeBytes: 200 * MiB });
    assert.equal(missing.volume, 'vol9');
    assert.match(missing.error ?? '', /no such volume/);

    // The server keeps writing to the grown filesystem.
    const write = await psql(vm.port, 'create table grown as select generate_series(1, 1000) as n', { PGPASSWORD: 'password' });
    assert.equal(write.code, 0, write.stderr);
    const read = await psql(vm.port, 'select count(*) from grown', { PGPASSWORD: 'password' });
    assert.equal(read.stdout.trim(), '1000', read.stderr);
  });

  it('shuts down on SHUTDOWN: postgres stops cleanly and qemu exits', async function () {
    const from = vm.frames.length;
    vm.send(MsgType.SHUTDOWN, 0, '2 10');
    const exited = await vm.waitFrame((f) => f.type === MsgType.EXITED, 30_000, 'EXITED', from);
    assert.equal(exited.payload.toString(), 'exit 0');
    assert.ok(vm.logText(from).includes('database system is shut down'), vm.diagnostics());
    const code = await Promise.race([vm.qemuExit, sleep(30_000).then(() => 'timeout')]);
    assert.equal(code, 0, `qemu did not power off: ${code}`);
  });

  it('boots again on the same volume without initdb (flash=listen-on-port:5432)', async function () {
    const t0 = Date.now();
    const vm2 = await bootVm('boot2', 'listen-on-port:5432');
    const flash = await vm2.waitFrame((f) => f.type === MsgType.FLASH, 120_000, 'FLASH on second boot');
    assert.equal(flash.payload.toString(), 'listen-on-port:5432');
    const ready = await vm2.waitLog('database system is ready to accept connections', 60_000);
    console.log(
      `      (second boot: port 5432 listening after ${((flash.at - t0) / 1000).toFixed(1)} s, ready after ${((vm2.frames[ready].at - t0) / 1000).toFixed(1)} s)`,
    );
    await vm2.waitLog('lttle_pg: flash ready signalled', 10_000);
    assert.equal(vm2.frames.filter((f) => f.type === MsgType.FLASH).length, 1, 'the manual trigger fired under another strategy');
    const log = vm2.logText();
    assert.ok(!log.includes('The files belonging to this database system'), 'initdb ran again');
    assert.ok(!log.includes('automatic recovery'), 'the first shutdown was not clean');
    assert.match(log, /database system was shut down at/);
    const ok = await psql(vm2.port, 'select current_database()', { PGPASSWORD: 'password' });
    assert.equal(ok.stdout.trim(), 'db', ok.stderr);
    // WAL sizing follows the volume, grown to 200 MiB by the test before
    const conf = await vm2.exec([
      ['arg', 'cat'],
      ['arg', `${PGDATA}/lttle.wal.conf`],
    ]);
    const fsMb = Number(/filesystem of (\d+) MB/.exec(conf.stdout)?.[1]);
    assert.ok(fsMb > 150, conf.stdout + conf.stderr);
    assert.match(conf.stdout, new RegExp(`^max_wal_size = ${Math.floor(fsMb / 5)}MB$`, 'm'));
    vm2.send(MsgType.SHUTDOWN, 0, '2 10');
    assert.equal(await Promise.race([vm2.qemuExit, sleep(60_000).then(() => 'timeout')]), 0);
  });
});
