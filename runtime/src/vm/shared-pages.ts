// Identical memory pages of apps of one image, kept once on disk. Two seed apps'
// memory files have about half of their non-zero pages in common (the guest
// kernel, PostgreSQL's code and libraries, at different guest addresses). The
// first deep snapshot of an image becomes its base, a reflink copy (no extra
// disk); each later deep snapshot of the image shares its pages identical to a
// base page with it (the C helper runtime/host/dedupe.c, FIDEDUPERANGE). QEMU
// keeps mapping each app's own file, shared: a write to a shared page copies it
// first, in the filesystem, so no app sees another's writes and a file reads
// the same bytes before and after. Needs a filesystem that shares blocks
// between files (XFS with reflink, btrfs); on ext4 nothing is shared, once said.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../../schema/src/paths';
import { CommandError, run } from '../util/process';

const CANNOT_SHARE_EXIT = 4;
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

export function dedupeHelper(env: NodeJS.ProcessEnv = process.env): string {
  return env.LTTLE_DEDUPE_HELPER || path.join(env.LTTLE_BUILD || path.join(packageRoot(), 'build'), 'host', 'lttle-dedupe');
}

/** What sharing did for one memory file. */
export interface PageSharing {
  /** The file became its image's base (nothing to share with yet). */
  becameBase: boolean;
  /** Non-zero bytes of the file, and those now sharing the base's blocks. */
  dataBytes: number;
  sharedBytes: number;
  /** Bytes shared with the kin files (a fork's source's memory), when there are any. */
  kinSharedBytes?: number;
  ms: number;
}

/** Says what sharing did, for the app's log. */
export function describeSharing(s: PageSharing): string {
  const kin = s.kinSharedBytes !== undefined ? `, with its fork source's: ${mib(s.kinSharedBytes)} MiB` : '';
  if (s.becameBase) return `memory file kept as its image's base for page sharing (a reflink: no extra disk)${kin} in ${s.ms} ms`;
  return `memory pages shared on disk with the image's base: ${mib(s.sharedBytes)} of ${mib(s.dataBytes)} MiB${kin} in ${s.ms} ms`;
}

export class ImageMemoryBases {
  /** Why this filesystem shares nothing, once found out. */
  private cannotShare?: string;
  /** Bases being made: apps of the image deep-suspended meanwhile share with it once it is there. */
  private readonly making = new Map<string, Promise<unknown>>();

  constructor(
    /** `$LTTLE_HOME/memory-bases`: on the filesystem of the apps' memory files, as sharing needs. */
    readonly dir: string,
    private readonly helper = dedupeHelper(),
  ) {}

  basePath(image: string): string {
    return path.join(this.dir, `${crypto.createHash('sha256').update(image).digest('hex').slice(0, 24)}.mem`);
  }

  /**
   * Shares `memoryFile`'s pages with its image's base, or makes it the base,
   * and with `kin` (a fork's source's memory file: a running branch unshares
   * whole large page-cache folios of it, which its deep suspend shares again).
   * Only for a file no process maps (QEMU has exited). Throws with why, once
   * per filesystem that cannot share; after that it resolves undefined.
   */
  async share(image: string, memoryFile: string, kin: string[] = []): Promise<PageSharing | undefined> {
    // A base that failed to be made is tried again below (or the failure is known in cannotShare).
    await this.making.get(image)?.catch(() => undefined);
    if (this.cannotShare) return undefined;
    const started = Date.now();
    const base = this.basePath(image);
    try {
      if (!fs.existsSync(base)) {
        const making = this.makeBase(image, memoryFile);
        this.making.set(image, making);
        await making.finally(() => this.making.delete(image));
        return { becameBase: true, dataBytes: 0, sharedBytes: 0, ms: Date.now() - started };
      }
      const shareWith = async (other: string) => JSON.parse((await run(this.helper, [other, memoryFile])).stdout) as { dataBytes: number; sharedBytes: number };
      // Kin first: a fork's pages mostly lie where its source's do, in long runs.
      let kinSharedBytes: number | undefined;
      for (const file of kin.filter((f) => fs.existsSync(f))) kinSharedBytes = (kinSharedBytes ?? 0) + (await shareWith(file)).sharedBytes;
      const r = await shareWith(base);
      return {
        becameBase: false,
        dataBytes: r.dataBytes,
        sharedBytes: r.sharedBytes,
        ...(kinSharedBytes !== undefined ? { kinSharedBytes } : {}),
        ms: Date.now() - started,
      };
    } catch (err) {
      if (!(err instanceof CommandError) || !(err.result.code === CANNOT_SHARE_EXIT || /failed to clone|not supported/i.test(err.result.stderr))) throw err;
      this.cannotShare = `the filesystem of ${this.dir} cannot share blocks between files (XFS with reflink or btrfs can): each deep-suspended app keeps its own pages`;
      fs.rmSync(`${base}.image`, { force: true });
      throw new Error(this.cannotShare);
    }
  }

  /** A reflink copy, whole or not at all. */
  private async makeBase(image: string, memoryFile: string): Promise<void> {
    const base = this.basePath(image);
    fs.mkdirSync(this.dir, { recursive: true });
    fs.writeFileSync(`${base}.image`, `${image}\n`);
    const partial = `${base}.${process.pid}.${Date.now()}.partial`;
    try {
      await run('cp', ['--reflink=always', memoryFile, partial]);
      fs.renameSync(partial, base);
    } finally {
      fs.rmSync(partial, { force: true });
    }
  }

  /**
   * Makes a write to a shared block of a memory file copy that block alone
   * (XFS copies 32 by default: a fork's first query cost 95 MiB instead of 1).
   * Set on `machinesDir`, which passes it on to the files made in it, and on
   * what is there already. Quiet where the filesystem has no such setting.
   */
  async copyOnWriteByBlock(machinesDir: string): Promise<void> {
    fs.mkdirSync(machinesDir, { recursive: true });
    fs.mkdirSync(this.dir, { recursive: true });
    const below = (dir: string) =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => path.join(dir, e.name));
    const appDirs = below(machinesDir).flatMap(below);
    const memoryFiles = appDirs.map((d) => path.join(d, 'memory')).filter((f) => fs.existsSync(f));
    const paths = [machinesDir, this.dir, ...below(machinesDir), ...appDirs, ...memoryFiles];
    const r = await run(this.helper, ['--cow-granule', ...paths], { allowFail: true });
    if (r.code !== 0 && r.code !== CANNOT_SHARE_EXIT) throw new Error(r.stderr.trim() || `${this.helper} exited ${r.code}`);
  }

  /** Deletes the bases of images no app uses any more (`inUse`: the images of the apps there are). */
  prune(inUse: Iterable<string>): void {
    const keep = new Set([...inUse].map((image) => path.basename(this.basePath(image))));
    let entries: string[];
    try {
      entries = fs.readdirSync(this.dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      const partial = /\.(\d+)\.\d+\.partial$/.exec(entry);
      // A copy another (killed) daemon was making is never finished.
      const stale = partial !== null && Number(partial[1]) !== process.pid;
      if (stale || !keep.has(entry.replace(/\.(image|\d+\.\d+\.partial)$/, ''))) fs.rmSync(path.join(this.dir, entry), { force: true });
    }
  }
}
