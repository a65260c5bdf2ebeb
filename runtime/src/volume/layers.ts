// Read-only volume layers under $LTTLE_HOME/layers and the qemu-img steps on
// them. A layer is a volume's former top file, frozen: a hard link made
// before the volume switches to a qcow2 overlay over it, so the frozen bytes
// never move. Layers are shared by name between a volume's chain, its
// branches and its snapshots; a layer no record names is deleted (gc), so the
// count of users is the records themselves and cannot drift after a kill.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir, fsyncFile } from '../util/atomic-file';
import { run } from '../util/process';

export type DiskFormat = 'raw' | 'qcow2';

export class LayerStore {
  readonly dir: string;

  constructor(home: string) {
    this.dir = path.join(home, 'layers');
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** A fresh layer name; its extension carries the format of the file frozen into it. */
  newName(format: DiskFormat): string {
    return `${crypto.randomBytes(8).toString('hex')}.${format}`;
  }

  path(name: string): string {
    return path.join(this.dir, path.basename(name));
  }

  /** Freezes `file` as layer `name`: a second name for the same bytes (the caller then stops writing the file). */
  link(file: string, name: string): void {
    const target = this.path(name);
    if (!fs.existsSync(target)) fs.linkSync(file, target);
    fsyncDir(this.dir);
  }

  unlink(name: string): void {
    fs.rmSync(this.path(name), { force: true });
  }

  exists(name: string): boolean {
    return fs.existsSync(this.path(name));
  }

  /**
   * Deletes every layer that no record names; returns the names deleted. The files are
   * listed before the records are read: a step names its layer in a record before it
   * links it, so a layer made meanwhile is either not listed or named.
   */
  gc(referenced: () => ReadonlySet<string>): string[] {
    const gone: string[] = [];
    const entries = fs.readdirSync(this.dir);
    const used = referenced();
    for (const entry of entries) {
      if (entry.endsWith('.partial')) continue;
      if (used.has(entry)) continue;
      fs.rmSync(path.join(this.dir, entry), { force: true });
      gone.push(entry);
    }
    if (gone.length) fsyncDir(this.dir);
    return gone;
  }
}

export function layerFormat(name: string): DiskFormat {
  return name.endsWith('.qcow2') ? 'qcow2' : 'raw';
}

/**
 * Creates `file` as an empty qcow2 overlay over `backing` (same virtual size),
 * atomically: written under a temporary name, fsynced, renamed, directory fsynced.
 */
export async function createOverlay(file: string, backing: string, backingFormat: DiskFormat): Promise<void> {
  const partial = `${file}.partial`;
  fs.rmSync(partial, { force: true });
  try {
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', backing, '-F', backingFormat, partial]);
    fsyncFile(partial);
    fs.renameSync(partial, file);
    fsyncDir(path.dirname(file));
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw err;
  }
}

/** Writes the whole chain under `top` into `target` as one raw sparse file (atomically, as above). */
export async function flattenToRaw(top: string, topFormat: DiskFormat, target: string): Promise<void> {
  const partial = `${target}.partial`;
  fs.rmSync(partial, { force: true });
  try {
    // convert leaves runs of zeros unallocated: the raw file stays sparse.
    await run('qemu-img', ['convert', '-q', '-f', topFormat, '-O', 'raw', top, partial]);
    fsyncFile(partial);
    fs.renameSync(partial, target);
    fsyncDir(path.dirname(target));
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw err;
  }
}

/** Bytes the guest sees on the disk (the virtual size of a qcow2 chain). */
export async function virtualSize(file: string, format: DiskFormat): Promise<number> {
  if (format === 'raw') return fs.statSync(file).size;
  const { stdout } = await run('qemu-img', ['info', '--output=json', '-f', format, file]);
  return (JSON.parse(stdout) as { 'virtual-size': number })['virtual-size'];
}
