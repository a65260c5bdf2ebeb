// The QEMU command line of a machine: microvm, virtio-mmio devices only.
import { guestClockParams, type Accel } from './accel';

export interface DiskSpec {
  /** virtio-blk serial, how the guest agent finds the disk (PROTOCOL.md). */
  serial: string;
  file: string;
  format: 'raw' | 'qcow2';
  readOnly: boolean;
}

/**
 * Devices a machine may have or lack. Each one is part of the migration stream,
 * so a snapshot restores only into a machine with the same set (its header
 * records it). `balloon`: virtio-balloon with free page reporting, the guest's
 * free memory becomes holes of the memory file (slim snapshots).
 */
export type OptionalDevice = 'balloon';
/** What a machine booted by this version has. */
export const BOOT_DEVICES: readonly OptionalDevice[] = ['balloon'];

export interface PortForward {
  hostPort: number;
  guestPort: number;
}

export interface QemuSpec {
  kernel: string;
  initrd: string;
  cpus: number;
  memoryMiB: number;
  accel: Accel;
  disks: DiskSpec[];
  forwards: PortForward[];
  qmpSocket: string;
  controlSocket: string;
  /** Guest connections to `gateway` run `socat` to this unix socket, one per connection (internal services). */
  services?: { gateway: { address: string; port: number }; socket: string };
  consoleLog: string;
  /** Guest RAM in this file (shared), so a snapshot only needs the device state. */
  memoryFile?: string;
  /** Start paused, waiting for `migrate-incoming` (restoring a snapshot). */
  incoming?: boolean;
  /** Optional devices; a restore passes those of its snapshot. */
  devices: readonly OptionalDevice[];
}

export function qemuArgs(spec: QemuSpec): string[] {
  const machine = ['microvm', 'x-option-roms=off', 'rtc=on', 'isa-serial=on'];
  const args: string[] = [];
  if (spec.memoryFile) {
    machine.push('memory-backend=mem0');
    args.push('-object', `memory-backend-file,id=mem0,size=${spec.memoryMiB}M,mem-path=${spec.memoryFile},share=on`);
  }
  args.push(
    '-M',
    machine.join(','),
    // A 128 MiB translation cache instead of TCG's 1 GiB default keeps a machine's host memory near its own size.
    '-accel',
    spec.accel === 'kvm' ? 'kvm' : 'tcg,thread=multi,tb-size=128',
    ...(spec.accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-smp',
    String(spec.cpus),
    '-m',
    `${spec.memoryMiB}M`,
    '-nodefaults',
    '-no-user-config',
    '-nographic',
    '-no-reboot',
    // Threads named "CPU 0/TCG": a vCPU's CPU time can be told from QEMU's other threads (make bench).
    '-name',
    'lttle,debug-threads=on',
    // A restored machine runs the kernel in its memory file: loading the 14 MiB image again cost ~15 ms of every wake.
    ...(spec.incoming ? [] : bootArgs(spec)),
    '-chardev',
    `file,id=console,path=${spec.consoleLog}`,
    '-serial',
    'chardev:console',
    '-qmp',
    `unix:${spec.qmpSocket},server=on,wait=off`,
    '-device',
    'virtio-rng-device',
    '-device',
    'virtio-serial-device',
    '-chardev',
    `socket,id=control,path=${spec.controlSocket},server=on,wait=off`,
    '-device',
    'virtserialport,chardev=control,name=lttle.control',
  );
  spec.disks.forEach((disk, i) => {
    // cache=writeback honours the guest's flushes: PostgreSQL's fsync reaches the file.
    args.push(
      '-drive',
      `id=disk${i},file=${disk.file},format=${disk.format},if=none,cache=writeback,aio=threads${disk.readOnly ? ',read-only=on' : ''}`,
      '-device',
      `virtio-blk-device,drive=disk${i},serial=${disk.serial}`,
    );
  });
  // restrict=on: the guest reaches nothing outside; only the forwarded ports reach it, on loopback.
  let forwards = spec.forwards.map((f) => `,hostfwd=tcp:127.0.0.1:${f.hostPort}-:${f.guestPort}`).join('');
  if (spec.services) {
    // cmd: rather than chardev: libslirp runs the command once per guest connection with the
    // connection as its stdin/stdout, while a chardev would carry all connections in one stream.
    // The rule is fixed for the machine's life, so a snapshot restores into the same network.
    const { gateway, socket } = spec.services;
    forwards += `,guestfwd=tcp:${gateway.address}:${gateway.port}-cmd:socat -lf /dev/null STDIO UNIX-CONNECT:${socket.replace(/,/g, ',,')}`;
  }
  args.push('-netdev', `user,id=net0,restrict=on${forwards}`, '-device', 'virtio-net-device,netdev=net0');
  // Last: a device added after the others takes the next virtio-mmio slot and moves none of theirs.
  if (spec.devices.includes('balloon')) args.push('-device', 'virtio-balloon-device,free-page-reporting=on');
  if (spec.incoming) args.push('-incoming', 'defer');
  return args;
}

/** The kernel, initramfs and command line of a cold boot. */
function bootArgs(spec: QemuSpec): string[] {
  return [
    '-kernel',
    spec.kernel,
    '-initrd',
    spec.initrd,
    // LTTLE_GUEST_DEBUG=1 keeps the kernel's boot messages in the machine's console.log.
    // init_on_free=1: a freed page is zeroed, so free memory too fragmented for page
    // reporting is dug out of the memory file before a deep snapshot (84 MiB instead of 100 for a seed app).
    '-append',
    [
      'console=ttyS0',
      'reboot=k',
      'panic=-1',
      ...(process.env.LTTLE_GUEST_DEBUG ? [] : ['quiet']),
      ...guestClockParams(spec.accel),
      'init_on_free=1',
      'lttle.root=root',
    ].join(' '),
  ];
}
