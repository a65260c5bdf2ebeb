import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { InvalidError } from '../../../schema/src/errors';
import type { AppSpec } from '../../../schema/src/types';
import type { VolumeRecord } from '../volume/volume-record';
import type { AppRecord } from './app-record';
import { checkMovable, packStream, stageMove, unpackMove } from './app-move';

const spec = {
  name: 'postgresql',
  namespace: 'samples',
  image: 'ghcr.io/lttle-cloud/postgres:17-flash',
  volumes: [{ name: 'pgdata', namespace: 'samples', path: '/var/lib/postgresql/data' }],
} as unknown as AppSpec;

describe('moving an app: the package (app/app-move.ts)', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-move-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a volume with snapshots or branches, and one not on this host, naming it', () => {
    const plain = { spec: { name: 'pgdata', namespace: 'samples' }, file: '/x' } as unknown as VolumeRecord;
    assert.doesNotThrow(() => checkMovable(spec, [plain]));
    assert.throws(() => checkMovable(spec, [{ ...plain, format: 'qcow2', layers: ['l1'] }]), /volume samples\/pgdata has snapshots or branches/);
    assert.throws(() => checkMovable(spec, [undefined]), /volume samples\/pgdata is not on this host/);
  });

  it('carries the snapshot and a sparse volume through tar, holes kept, and checks what it unpacks', async () => {
    const machine = path.join(dir, 'machine');
    fs.mkdirSync(machine);
    for (const f of ['memory', 'snapshot.state', 'snapshot.meta', 'rootfs-3.qcow2']) fs.writeFileSync(path.join(machine, f), `${f} bytes`);
    const volume = path.join(dir, 'pgdata.ext4');
    const fd = fs.openSync(volume, 'w');
    fs.writeSync(fd, 'data at 64 MiB', 64 * 2 ** 20);
    fs.closeSync(fd);
    const record = { spec: { ...spec, environment: {}, expose: {}, mode: 'regular' }, machineGeneration: 3 } as unknown as AppRecord;
    const volumes = [{ spec: { name: 'pgdata', namespace: 'samples', size: 100 * 2 ** 20 }, file: volume } as unknown as VolumeRecord];
    stageMove(path.join(dir, 'stage'), { record, dir: machine, volumes });
    const packed = packStream(path.join(dir, 'stage'));
    const arrived = path.join(dir, 'arrived');
    const pkg = await unpackMove(packed.stream, arrived, 'samples', 'postgresql');
    await packed.done;
    assert.equal(pkg.volumes[0].file, '0.ext4');
    const copy = path.join(arrived, 'volumes', '0.ext4');
    assert.equal(fs.statSync(copy).size, fs.statSync(volume).size);
    assert.ok(fs.statSync(copy).blocks * 512 < 2 ** 20, 'the hole of the volume is a hole again');
    assert.equal(fs.readFileSync(path.join(arrived, 'machine', 'rootfs-3.qcow2'), 'utf8'), 'rootfs-3.qcow2 bytes');

    // The package of another app, or not a package at all, is refused and leaves nothing.
    const again = packStream(path.join(dir, 'stage'));
    await assert.rejects(unpackMove(again.stream, path.join(dir, 'other'), 'samples', 'other'), /holds app samples\/postgresql, not samples\/other/);
    assert.equal(fs.existsSync(path.join(dir, 'other')), false);
    await assert.rejects(unpackMove(Readable.from([Buffer.from('not a tar stream')]), path.join(dir, 'junk'), 'samples', 'postgresql'), InvalidError);
    assert.equal(fs.existsSync(path.join(dir, 'junk')), false);
  });
});
