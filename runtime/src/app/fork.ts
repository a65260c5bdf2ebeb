// Forking an app (`lttle app fork`): a new app that starts as the source's
// suspended machine. Its volumes are branches of the source's (a second qcow2
// overlay over a frozen layer: no data copied), its RAM is a copy of the
// source's memory file taken while the source is suspended (a reflink, or its
// data extents only: the cost is what the guest uses, never the configured
// size), with the device state and the root filesystem overlay beside it. The
// fork's snapshot header is written for the fork (its id, its volumes), so it
// restores like any deep-suspended app and needs no code of its own after.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidError } from '../../../schema/src/errors';
import { isName } from '../../../schema/src/schema';
import type { AppSpec } from '../../../schema/src/types';
import { freePort } from '../proxy/service-proxy';
import { run } from '../util/process';
import type { OptionalDevice } from '../vm/qemu-command';
import type { OpenDisk } from '../volume/volume-chain';
import type { AppRecord } from './app-record';
import { machineDir } from './qemu-machine';

export interface ForkRequest {
  /** The fork's name, in the source's namespace. */
  to: string;
  /** Environment values that differ from the source's. */
  environment?: Record<string, string>;
}

/** The suspended source, held still while it is copied (AppController.whileSuspended). */
export interface ForkSource {
  spec: AppSpec;
  dir: string;
  machineGeneration: number;
  /** The optional devices of the machine the snapshot was taken of: the fork's QEMU must have the same. */
  devices: OptionalDevice[];
  /** The machine that has the source's volume at this index open, if its QEMU is up (paused). */
  open(index: number): OpenDisk | undefined;
}

/** Makes volume `target` a branch of `namespace/name` (volume-chain.ts), owned by app `owner` (deleted with it). */
export type BranchVolume = (namespace: string, name: string, target: string, owner: string, open: OpenDisk | undefined) => Promise<void>;

/** The name of a fork's branch of one of the source's volumes. */
export function branchName(fork: string, volume: string): string {
  return `${fork}-${volume}`;
}

/** Refuses a fork name (or a branch name made from it) that is not a name, naming the field. */
export function checkForkRequest(spec: AppSpec, request: ForkRequest): void {
  if (typeof request.to !== 'string' || !isName(request.to))
    throw new InvalidError(`to: ${JSON.stringify(request.to)} is not a valid app name (lowercase letters, digits and '-', at most 63)`);
  for (const v of spec.volumes) {
    if (!isName(branchName(request.to, v.name)))
      throw new InvalidError(`to: the branch of volume ${v.name} would be named ${branchName(request.to, v.name)}, which is too long; choose a shorter name`);
  }
  for (const [key, value] of Object.entries(request.environment ?? {})) {
    if (typeof value !== 'string') throw new InvalidError(`environment.${key}: must be a string`);
  }
}

/** The spec of `lttle app fork SOURCE --to NAME`: the source's, renamed, on branches named after the fork. */
export function forkSpec(source: AppSpec, request: ForkRequest): AppSpec {
  return {
    ...source,
    name: request.to,
    volumes: source.volumes.map((v) => ({ ...v, name: branchName(request.to, v.name) })),
    environment: { ...source.environment, ...request.environment },
    'fork-of': source.name,
  };
}

/**
 * Refuses a `fork-of` spec that cannot resume from the source's memory: the machine must
 * be the source's (image, resources, mode, one volume per source volume at the same path).
 */
export function checkForkSpec(source: AppSpec, fork: AppSpec): void {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const which = `the source app ${source.namespace}/${source.name}`;
  if (fork.image !== source.image) throw new InvalidError(`image: a fork runs the image of ${which}, ${source.image}`);
  if (!same(fork.resources, source.resources)) throw new InvalidError(`resources: a fork has the resources of ${which} (${JSON.stringify(source.resources)})`);
  if (!same(fork.mode, source.mode)) throw new InvalidError(`mode: a fork has the mode of ${which}`);
  if (fork.volumes.length !== source.volumes.length)
    throw new InvalidError(`volumes: a fork lists one new volume per volume of ${which} (${source.volumes.length}), each to be made a branch of it`);
  fork.volumes.forEach((v, i) => {
    const from = source.volumes[i];
    if (v.path !== from.path) throw new InvalidError(`volumes[${i}].path: must be ${from.path}, where ${which} mounts ${from.name}`);
    if (v.namespace !== from.namespace)
      throw new InvalidError(`volumes[${i}].namespace: a branch of ${from.namespace}/${from.name} is in namespace ${from.namespace}`);
  });
}

/** Branches the volumes and copies the machine files; returns the fork's record (suspended, deep). */
export async function prepareFork(home: string, source: ForkSource, fork: AppSpec, branch: BranchVolume): Promise<AppRecord> {
  const { spec } = source;
  for (const [index, v] of spec.volumes.entries())
    await branch(v.namespace, v.name, fork.volumes[index].name, `${fork.namespace}/${fork.name}`, source.open(index));
  const dir = machineDir(home, fork.namespace, fork.name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const copy = (from: string, to: string) => run('cp', ['--sparse=always', '--reflink=auto', path.join(source.dir, from), path.join(dir, to)]);
  // The root filesystem overlay is part of the machine the memory belongs to.
  await copy(`rootfs-${source.machineGeneration}.qcow2`, 'rootfs-1.qcow2');
  await copy('memory', 'memory');
  await copy('snapshot.state', 'snapshot.state');
  // Its own host ports: the source's QEMU may still hold its own.
  const forwards: Record<string, number> = {};
  for (const key of Object.keys(fork.expose)) forwards[key] = await freePort();
  const now = new Date().toISOString();
  return {
    spec: fork,
    machineGeneration: 1,
    specGeneration: 1,
    observedGeneration: 1,
    state: 'suspended',
    hostPorts: {},
    flash: { resumeCount: 0, locksHeld: 0, connections: 0, deep: true, suspendedSince: now },
    snapshot: { machineGeneration: 1, takenAt: now, forwards, devices: [...source.devices] },
    createdAt: now,
    updatedAt: now,
  };
}
