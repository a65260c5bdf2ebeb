// A snapshot is restored only when its header vouches for it: same machine
// generation, same volumes (size and generation), device state and memory
// file as written, and a header that is whole. Anything else gives a reason,
// which the controller logs before it boots cold. Real files, no QEMU.
// The header names the machine's optional devices (format 3): a restore
// starts QEMU with exactly those, so an older version's snapshot (format 1
// or 2, no balloon) restores into a machine without one.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AppSpec } from '../../../schema/src/types';
import { StateStore } from '../state/store';
import { AppState, type AppRecord } from '../app/app-state';
import { migrateRecord, type LegacyAppRecord } from '../app/app-record';
import { downgradeHeader } from '../app/testing/legacy-files';
import { SnapshotFiles, type VolumeIdentity } from './snapshot-files';

describe('snapshot files', () => {
  let home: string;
  let app: AppState;
  let volumes: VolumeIdentity[];
  let snapshots: SnapshotFiles;

  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-snap-'));
    const dir = path.join(home, 'machines', 'ns', 'db');
    fs.mkdirSync(dir, { recursive: true });
    const record: AppRecord = {
      spec: { name: 'db', namespace: 'ns', volumes: [] } as unknown as AppSpec,
      machineGeneration: 2,
      specGeneration: 3,
      observedGeneration: 3,
      state: 'suspended',
      hostPorts: {},
      flash: { resumeCount: 0, locksHeld: 0, connections: 0 },
      snapshot: { machineGeneration: 2, takenAt: new Date().toISOString(), forwards: { access: 40000 }, devices: ['balloon'] },
      createdAt: '',
      updatedAt: '',
    };
    app = new AppState(record, dir, new StateStore<AppRecord>(home, 'apps'));
    volumes = [{ id: 'ns/data', bytes: 100 * 2 ** 20, generation: 1 }];
    snapshots = new SnapshotFiles(app, () => volumes.map((v) => ({ ...v })));
    fs.writeFileSync(snapshots.file, 'device state');
    const memory = fs.openSync(snapshots.memoryFile, 'w');
    fs.ftruncateSync(memory, 2 ** 20);
    fs.writeSync(memory, 'touched page', 0);
    fs.closeSync(memory);
    snapshots.makeDurable();
  });

  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  const reason = () => {
    const checked = snapshots.check();
    return 'reason' in checked ? checked.reason : 'usable';
  };

  it('is usable as written, and sparse: only touched memory counts on disk', () => {
    assert.equal(reason(), 'usable');
    assert.ok(snapshots.diskBytes() < 2 ** 20, `${snapshots.diskBytes()} bytes on disk for a 1 MiB memory file with one touched page`);
  });

  it("records the machine's devices in a format 3 header and hands them to the restore", () => {
    assert.match(fs.readFileSync(snapshots.headerFile, 'utf8'), /"format":3,.*"devices":\["balloon"\]/);
    const checked = snapshots.check();
    assert.ok('info' in checked);
    assert.deepEqual(checked.info.devices, ['balloon']);
  });

  it('restores a format 2 header (taken before the balloon) without devices, whatever the record says', () => {
    downgradeHeader(snapshots.headerFile, 2);
    const checked = snapshots.check();
    assert.ok('info' in checked, JSON.stringify(checked));
    assert.deepEqual(checked.info.devices, []);
  });

  it('refuses a snapshot of a machine with a device this version cannot start', () => {
    const stored = JSON.parse(fs.readFileSync(snapshots.headerFile, 'utf8')) as { header: { devices: string[] } };
    stored.header.devices = ['balloon', 'tpm'];
    const header = JSON.stringify(stored.header);
    const checksum = crypto.createHash('sha256').update(header).digest('hex');
    fs.writeFileSync(snapshots.headerFile, JSON.stringify({ header: stored.header, checksum }));
    assert.match(reason(), /devices this version cannot start \(tpm\)/);
  });

  it('refuses a torn header', () => {
    const text = fs.readFileSync(snapshots.headerFile, 'utf8');
    fs.writeFileSync(snapshots.headerFile, text.slice(0, text.length / 2));
    assert.match(reason(), /header is unreadable/);
    fs.writeFileSync(snapshots.headerFile, text.replace('"machineGeneration":2', '"machineGeneration":3'));
    assert.match(reason(), /fails its checksum/);
  });

  it('refuses a changed device state or memory file', () => {
    fs.writeFileSync(snapshots.file, 'device statE');
    assert.match(reason(), /device state file fails its checksum/);
  });

  it('refuses a memory file of another size', () => {
    fs.truncateSync(snapshots.memoryFile, 2 ** 21);
    assert.match(reason(), /memory file/);
  });

  it('refuses volumes that grew or changed generation since', () => {
    volumes[0].bytes *= 2;
    assert.match(reason(), /volume ns\/data changed since the snapshot/);
    volumes[0].bytes /= 2;
    volumes[0].generation++;
    assert.match(reason(), /volume ns\/data changed/);
  });

  it('refuses a snapshot of another machine generation, and forgets it on drop', () => {
    app.acceptSpec(app.spec, true);
    assert.match(reason(), /machine generation 2, the app is at 3/);
    snapshots.drop();
    assert.equal(app.record.snapshot, undefined);
    assert.ok(!fs.existsSync(snapshots.headerFile) && !fs.existsSync(snapshots.file));
  });

  it('restores what the previous version wrote: a record with `generation` and a format 1 header', () => {
    downgradeHeader(snapshots.headerFile);
    const legacy: LegacyAppRecord = {
      spec: app.spec,
      generation: 2,
      state: 'suspended',
      hostPorts: {},
      flash: { resumeCount: 0, locksHeld: 0, connections: 0, deep: true },
      snapshot: { generation: 2, takenAt: new Date().toISOString(), forwards: { access: 40000 } },
      createdAt: '',
      updatedAt: '',
    };
    const upgraded = new AppState(migrateRecord(legacy), app.dir, new StateStore<AppRecord>(home, 'apps'));
    const files = new SnapshotFiles(upgraded, () => volumes.map((v) => ({ ...v })));
    assert.deepEqual(files.check(), { info: { ...upgraded.record.snapshot, devices: [] } });
    // Made durable again, the header is rewritten in today's format and stays restorable.
    files.makeDurable();
    assert.match(fs.readFileSync(files.headerFile, 'utf8'), /"format":3,"app":"ns\/db","machineGeneration":2/);
    assert.ok('info' in files.check());
  });
});
