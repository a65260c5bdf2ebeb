// Moving a deep-suspended app with its volumes to another host (`lttle app move`
// on a cluster). The package is a tar stream, because GNU tar sends only the
// data of sparse files: a 1 GiB volume or a 256 MiB memory file costs what is
// written in it. It holds move.json (the app's record and its volumes' records),
// machine/ (the snapshot: memory, device state, header, root filesystem overlay)
// and volumes/<n>.ext4. The receiving host keeps it under arrivals/ until its
// node agent is given the app, then installs it (adoptArrival): nothing of it
// listens or runs before that.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { ConflictError, InvalidError } from '../../../schema/src/errors';
import { normaliseApp, normaliseVolume } from '../../../schema/src/normalize';
import { isName } from '../../../schema/src/schema';
import type { AppSpec } from '../../../schema/src/types';
import { freePort } from '../proxy/service-proxy';
import { run } from '../util/process';
import type { VolumeRecord } from '../volume/volume-record';
import type { AppRecord } from './app-record';

const SNAPSHOT_FILES = ['memory', 'snapshot.state', 'snapshot.meta'];

export interface MovePackage {
  record: AppRecord;
  /** The app's volumes, in the order of its spec; `file` is the name inside volumes/. */
  volumes: VolumeRecord[];
}

/** What the sending host hands over: the held app's files. */
export interface MoveSource {
  record: AppRecord;
  dir: string;
  volumes: VolumeRecord[];
}

/** Refuses what a move cannot carry, naming it (before anything is stopped or sent). */
export function checkMovable(spec: AppSpec, volumes: (VolumeRecord | undefined)[]): void {
  spec.volumes.forEach((v, i) => {
    const record = volumes[i];
    if (!record) throw new ConflictError(`volume ${v.namespace}/${v.name} is not on this host`);
    if (record.format === 'qcow2' || record.layers?.length)
      throw new ConflictError(
        `volume ${v.namespace}/${v.name} has snapshots or branches (a chain of layers): a move carries a plain volume; delete its snapshots and branches first`,
      );
  });
}

/** Hard links of the held app's files in `stage` (no copy: nothing writes them while the app is held). */
export function stageMove(stage: string, source: MoveSource): void {
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(path.join(stage, 'machine'), { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.join(stage, 'volumes'), { mode: 0o700 });
  const overlay = `rootfs-${source.record.machineGeneration}.qcow2`;
  for (const file of [...SNAPSHOT_FILES, overlay]) fs.linkSync(path.join(source.dir, file), path.join(stage, 'machine', file));
  const volumes = source.volumes.map((v, i) => {
    fs.linkSync(v.file, path.join(stage, 'volumes', `${i}.ext4`));
    return { ...v, file: `${i}.ext4` };
  });
  const manifest: MovePackage = { record: source.record, volumes };
  fs.writeFileSync(path.join(stage, 'move.json'), JSON.stringify(manifest), { mode: 0o600 });
}

/** The stage as a tar stream (holes left out). */
export function packStream(stage: string): { stream: Readable; done: Promise<void> } {
  const tar = spawn('tar', ['--sparse', '-cf', '-', '-C', stage, '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  tar.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<void>((resolve, reject) => {
    tar.on('error', reject);
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar (packing the move) exited with ${code}: ${stderr.trim()}`))));
  });
  return { stream: tar.stdout, done };
}

/** Unpacks a move package into `stage` and checks it; the stage is removed when it is not one. */
export async function unpackMove(body: Readable, stage: string, namespace: string, name: string): Promise<MovePackage> {
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true, mode: 0o700 });
  try {
    await new Promise<void>((resolve, reject) => {
      // Members are never absolute or above the stage (GNU tar's default), and keep no owner.
      const tar = spawn('tar', ['-xf', '-', '-C', stage, '--no-same-owner', '--no-same-permissions'], { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      tar.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      tar.on('error', reject);
      tar.on('close', (code) =>
        code === 0 ? resolve() : reject(new InvalidError(`the move package is not a valid tar stream: ${stderr.trim().slice(0, 200)}`)),
      );
      // A sender that dies mid-stream never ends the body: tar would wait for the rest for ever.
      let ended = false;
      body.on('end', () => (ended = true));
      const cutShort = (err?: Error) => {
        if (ended) return;
        tar.kill('SIGKILL');
        reject(new InvalidError(`the move package was cut short${err ? ` (${err.message})` : ''}`));
      };
      body.on('error', cutShort);
      body.on('close', () => cutShort());
      // Gone while the arrival waited for the app's lock: its close came before these listeners.
      if (body.destroyed && !body.readableEnded) return cutShort();
      body.pipe(tar.stdin);
    });
    return readPackage(stage, namespace, name);
  } catch (err) {
    fs.rmSync(stage, { recursive: true, force: true });
    throw err;
  }
}

function readPackage(stage: string, namespace: string, name: string): MovePackage {
  let manifest: MovePackage;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(stage, 'move.json'), 'utf8')) as MovePackage;
  } catch (err) {
    throw new InvalidError(`the move package has no readable move.json: ${(err as Error).message}`);
  }
  const app = normaliseApp(manifest.record?.spec);
  if (!app.ok) throw new InvalidError(`move.json: record.spec: ${app.issues.map((i) => i.message).join('; ')}`);
  if (app.spec.namespace !== namespace || app.spec.name !== name)
    throw new InvalidError(`move.json: the package holds app ${app.spec.namespace}/${app.spec.name}, not ${namespace}/${name}`);
  if (!Array.isArray(manifest.volumes) || manifest.volumes.length !== app.spec.volumes.length)
    throw new InvalidError(`move.json: volumes: one record per volume of the app (${app.spec.volumes.length})`);
  manifest.volumes.forEach((v, i) => {
    const volume = normaliseVolume(v?.spec);
    const mount = app.spec.volumes[i];
    if (!volume.ok || volume.spec.namespace !== mount.namespace || volume.spec.name !== mount.name)
      throw new InvalidError(`move.json: volumes[${i}]: not the record of volume ${mount.namespace}/${mount.name}`);
    if (v.file !== `${i}.ext4` || !fs.statSync(path.join(stage, 'volumes', v.file), { throwIfNoEntry: false })?.isFile())
      throw new InvalidError(`move.json: volumes[${i}].file: volumes/${i}.ext4 is missing`);
  });
  const overlay = `rootfs-${manifest.record.machineGeneration}.qcow2`;
  for (const file of [...SNAPSHOT_FILES, overlay]) {
    if (!fs.statSync(path.join(stage, 'machine', file), { throwIfNoEntry: false })?.isFile()) throw new InvalidError(`the move package lacks machine/${file}`);
  }
  return { record: { ...manifest.record, spec: app.spec }, volumes: manifest.volumes };
}

/** Where a host keeps an app that was sent to it until its agent is given it. */
export function arrivalDir(home: string, namespace: string, name: string): string {
  if (!isName(namespace) || !isName(name)) throw new InvalidError(`${namespace}/${name} is not an app name`);
  return path.join(home, 'arrivals', namespace, name);
}

/**
 * The arrived machine made this host's: its root filesystem overlay points at this
 * host's copy of the image (the same content, by digest, or the snapshot is dropped
 * and the app boots cold from its volumes), and it gets host ports of its own.
 */
export async function adaptArrivedMachine(record: AppRecord, machineDir: string, rootfs: string): Promise<{ record: AppRecord; note?: string }> {
  const overlay = path.join(machineDir, `rootfs-${record.machineGeneration}.qcow2`);
  const { stdout } = await run('qemu-img', ['info', '--output=json', '-f', 'qcow2', overlay]);
  const backing = (JSON.parse(stdout) as { 'backing-filename'?: string })['backing-filename'] ?? '';
  const moved: AppRecord = { ...record, hostPorts: {}, flash: { ...record.flash, connections: 0, locksHeld: 0 } };
  if (path.basename(backing) !== path.basename(rootfs)) {
    const { snapshot: _dropped, ...cold } = moved;
    fs.rmSync(overlay, { force: true });
    return {
      record: { ...cold, state: 'idle', flash: { ...cold.flash, deep: undefined } },
      note: `its image here differs (${path.basename(rootfs)}): it boots cold from its volumes`,
    };
  }
  if (backing !== rootfs) await run('qemu-img', ['rebase', '-u', '-f', 'qcow2', '-F', 'raw', '-b', rootfs, overlay]);
  if (!moved.snapshot) return { record: moved };
  const forwards: Record<string, number> = {};
  for (const key of Object.keys(record.spec.expose)) forwards[key] = await freePort();
  return { record: { ...moved, snapshot: { ...moved.snapshot, forwards } } };
}
