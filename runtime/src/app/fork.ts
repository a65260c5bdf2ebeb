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
  /** The machine that has the source's volume at this index open, if its QEMU is up (paused). */
  open(index: number): OpenDisk | undefined;
}

/** Makes volume `target` a branch of `namespace/name` (volume-chain.ts). */
export type BranchVolume = (namespace: string, name: string, target: string, open: OpenDisk | undefined) => Promise<void>;

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

/** Branches the volumes and copies the machine files; returns the fork's record (suspended, deep). */
export async function prepareFork(home: string, source: ForkSource, request: ForkRequest, branch: BranchVolume): Promise<AppRecord> {
  const { spec } = source;
  const volumes: AppSpec['volumes'] = [];
  for (const [index, v] of spec.volumes.entries()) {
    await branch(v.namespace, v.name, branchName(request.to, v.name), source.open(index));
    volumes.push({ ...v, name: branchName(request.to, v.name) });
  }
  const dir = machineDir(home, spec.namespace, request.to);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const copy = (from: string, to: string) => run('cp', ['--sparse=always', '--reflink=auto', path.join(source.dir, from), path.join(dir, to)]);
  // The root filesystem overlay is part of the machine the memory belongs to.
  await copy(`rootfs-${source.machineGeneration}.qcow2`, 'rootfs-1.qcow2');
  await copy('memory', 'memory');
  await copy('snapshot.state', 'snapshot.state');
  // Its own host ports: the source's QEMU may still hold its own.
  const forwards: Record<string, number> = {};
  for (const key of Object.keys(spec.expose)) forwards[key] = await freePort();
  const now = new Date().toISOString();
  return {
    spec: { ...spec, name: request.to, volumes, environment: { ...spec.environment, ...request.environment } },
    machineGeneration: 1,
    specGeneration: 1,
    observedGeneration: 1,
    state: 'suspended',
    hostPorts: {},
    flash: { resumeCount: 0, locksHeld: 0, connections: 0, deep: true, suspendedSince: now },
    snapshot: { machineGeneration: 1, takenAt: now, forwards },
    createdAt: now,
    updatedAt: now,
  };
}
