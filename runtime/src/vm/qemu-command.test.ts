// The optional devices on the command line: a boot gets this version's set
// (the balloon, last, so no other device changes its virtio-mmio slot); a
// restore of an older snapshot gets none, as the snapshot's machine had. A
// restore loads no kernel: the one in its memory file runs on.
import * as assert from 'node:assert/strict';
import { BOOT_DEVICES, qemuArgs, type QemuSpec } from './qemu-command';

const spec = (devices: QemuSpec['devices']): QemuSpec => ({
  kernel: 'vmlinuz',
  initrd: 'initrd',
  cpus: 1,
  memoryMiB: 256,
  accel: 'tcg',
  disks: [{ serial: 'root', file: 'root.qcow2', format: 'qcow2', readOnly: false }],
  forwards: [],
  qmpSocket: 'q.sock',
  controlSocket: 'c.sock',
  consoleLog: 'console.log',
  memoryFile: 'memory',
  devices,
});

describe('qemu command line: optional devices', () => {
  it('gives a booted machine the balloon with free page reporting, after every other device', () => {
    const args = qemuArgs(spec(BOOT_DEVICES));
    const devices = args.filter((_, i) => args[i - 1] === '-device');
    assert.equal(devices[devices.length - 1], 'virtio-balloon-device,free-page-reporting=on');
    assert.match(args[args.indexOf('-append') + 1], /\binit_on_free=1\b/);
  });

  it('gives a machine restored from a snapshot without devices no balloon', () => {
    assert.ok(!qemuArgs(spec([])).some((a) => a.includes('balloon')));
  });

  it('boots with the kernel, initramfs and command line; a restore, whose kernel is in its memory file, waits for the snapshot without them', () => {
    const booted = qemuArgs(spec(BOOT_DEVICES));
    assert.deepEqual([booted[booted.indexOf('-kernel') + 1], booted[booted.indexOf('-initrd') + 1]], ['vmlinuz', 'initrd']);
    assert.ok(!booted.includes('-incoming'));
    const restored = qemuArgs({ ...spec(BOOT_DEVICES), incoming: true });
    assert.ok(!restored.some((a) => ['-kernel', '-initrd', '-append'].includes(a)), restored.join(' '));
    assert.deepEqual(restored.slice(-2), ['-incoming', 'defer']);
  });
});
