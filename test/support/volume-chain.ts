// Reading a volume whose bytes may sit in a chain of layers: its record on
// disk, the chain as one raw file (qemu-img convert), files inside its ext4.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface StoredVolume {
  file: string;
  format?: 'raw' | 'qcow2';
  layers?: string[];
  generation: number;
  sizeBytes: number;
  pending?: unknown;
}

export function storedVolume(home: string, namespace: string, name: string): StoredVolume {
  return JSON.parse(fs.readFileSync(path.join(home, 'state', 'volumes', namespace, `${name}.json`), 'utf8')) as StoredVolume;
}

/** The guest's view of the volume as one raw file under `home` (its chain read through qemu-img). */
export function chainAsRaw(home: string, namespace: string, name: string): string {
  const record = storedVolume(home, namespace, name);
  const out = path.join(home, `${namespace}-${name}.flat.raw`);
  fs.rmSync(out, { force: true });
  execFileSync('qemu-img', ['convert', '-f', record.format ?? 'raw', '-O', 'raw', record.file, out], { stdio: 'pipe' });
  return out;
}

/** Writes `text` as /NAME into an unmounted raw ext4 file. */
export function writeExt4File(file: string, name: string, text: string): void {
  const src = `${file}.${name}.src`;
  fs.writeFileSync(src, text);
  execFileSync('debugfs', ['-w', '-R', `write ${src} ${name}`, file], { stdio: 'pipe' });
  fs.rmSync(src);
}

/** The content of /NAME in an unmounted raw ext4 file, or undefined when it has none. */
export function readExt4File(file: string, name: string): string | undefined {
  const listing = execFileSync('debugfs', ['-R', 'ls -l /', file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  if (!new RegExp(`\\s${name}\\s*$`, 'm').test(listing)) return undefined;
  return execFileSync('debugfs', ['-R', `cat /${name}`, file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
}
