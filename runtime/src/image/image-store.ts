// The runtime's OCI image store: images imported from OCI layouts (what
// `make image` builds, like `docker build -t`), each turned once into an ext4
// root filesystem that machines share read-only under a qcow2 overlay.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../util/process';
import { writeFileAtomic } from '../util/atomic-file';
import { parseReference } from '../registry/reference';
import { pullInto, refKey, type Pulled, type PullOutput } from './image-pull';
import { REF_NAME_ANNOTATION, splitDigest, type ImageConfig, type ImageIndex, type ImageManifest } from './oci';

export interface ResolvedImage {
  reference: string;
  manifestDigest: string;
  config: ImageConfig;
  /** Path of the shared ext4 root filesystem. */
  rootfs: string;
}

export class ImageNotFoundError extends Error {}

/** Headroom in the root filesystem for what the app writes outside its volumes. */
const ROOTFS_HEADROOM_BYTES = 512 * 2 ** 20;

export class ImageStore {
  private readonly building = new Map<string, Promise<string>>();
  private readonly pulls = new Map<string, Promise<Pulled>>();

  /**
   * @param root where blobs, refs and root filesystems live
   * @param sources OCI layout directories (or directories of them) searched when a reference is not in the store
   */
  constructor(
    private readonly root: string,
    private readonly sources: string[],
    private readonly log: (line: string) => void = () => undefined,
  ) {
    fs.mkdirSync(path.join(root, 'blobs'), { recursive: true });
    fs.mkdirSync(path.join(root, 'rootfs'), { recursive: true });
  }

  /** The store's directory (an OCI layout: blobs/, index.json, plus refs.json and rootfs/). */
  get directory(): string {
    return this.root;
  }

  private refsFile(): string {
    return path.join(this.root, 'refs.json');
  }

  refs(): Record<string, string> {
    try {
      return JSON.parse(fs.readFileSync(this.refsFile(), 'utf8')) as Record<string, string>;
    } catch (err) {
      // None yet is an empty store; an unreadable one would lose every reference silently.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log(`image store: cannot read ${this.refsFile()}: ${(err as Error).message}`);
      return {};
    }
  }

  blobPath(digest: string): string {
    const [algo, hex] = splitDigest(digest);
    return path.join(this.root, 'blobs', algo, hex);
  }

  readJsonBlob<T>(digest: string): T {
    return JSON.parse(fs.readFileSync(this.blobPath(digest), 'utf8')) as T;
  }

  /** Imports every tagged image of an OCI layout; returns the references imported. */
  async importLayout(layoutDir: string): Promise<string[]> {
    const index = JSON.parse(fs.readFileSync(path.join(layoutDir, 'index.json'), 'utf8')) as ImageIndex;
    const imported: string[] = [];
    for (const descriptor of index.manifests) {
      const ref = descriptor.annotations?.[REF_NAME_ANNOTATION];
      if (!ref) continue;
      const manifestSrc = path.join(layoutDir, 'blobs', ...splitDigest(descriptor.digest));
      const manifest = JSON.parse(fs.readFileSync(manifestSrc, 'utf8')) as ImageManifest;
      for (const blob of [descriptor, manifest.config, ...manifest.layers]) {
        await this.addBlob(path.join(layoutDir, 'blobs', ...splitDigest(blob.digest)), blob.digest);
      }
      this.addRefs({ [ref]: descriptor.digest });
      imported.push(ref);
      this.log(`image ${ref}: imported ${descriptor.digest} from ${layoutDir}`);
    }
    return imported;
  }

  private async addBlob(source: string, digest: string): Promise<void> {
    const target = this.blobPath(digest);
    if (fs.existsSync(target)) return;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const actual = await hashFile(source);
    if (`sha256:${actual}` !== digest) throw new Error(`blob ${source} does not match its digest ${digest}`);
    const tmp = `${target}.${process.pid}.tmp`;
    try {
      fs.linkSync(source, tmp);
    } catch {
      fs.copyFileSync(source, tmp);
    }
    fs.renameSync(tmp, target);
  }

  /** Adds reference -> manifest digest entries to the store's refs. */
  private addRefs(entries: Record<string, string>): void {
    writeFileAtomic(this.refsFile(), JSON.stringify({ ...this.refs(), ...entries }, null, 2), 0o644);
  }

  /** Forgets a reference (its blobs stay until `prune`). Returns whether it was known. */
  removeRef(reference: string): boolean {
    const refs = this.refs();
    let key = reference in refs ? reference : undefined;
    if (!key) {
      try {
        key = refKey(parseReference(reference));
      } catch {
        return false; // not a valid reference, so not one the store knows
      }
    }
    if (!(key in refs)) return false;
    const manifest = refs[key];
    delete refs[key];
    // The pin recorded beside a pulled tag goes with it, unless another tag still names that manifest.
    const repo = key.replace(/(@sha256:[a-f0-9]+|:[^/:]+)$/, '');
    if (!Object.entries(refs).some(([k, v]) => v === manifest && !k.includes('@'))) {
      for (const k of Object.keys(refs)) if (refs[k] === manifest && k.startsWith(`${repo}@`)) delete refs[k];
    }
    writeFileAtomic(this.refsFile(), JSON.stringify(refs, null, 2), 0o644);
    return true;
  }

  /**
   * Finds a reference: a local build that provides it (re-imported when rebuilt,
   * like `docker build -t`), else the store's record of an earlier pull (a
   * pinned reference never goes back to the registry), else a pull. With
   * `pull`, a registry image is resolved again (`lttle deploy --pull`).
   */
  async resolve(
    reference: string,
    opts: { pull?: boolean; output?: PullOutput } = {},
  ): Promise<{ manifestDigest: string; config: ImageConfig; pinned: string }> {
    let digest = this.refs()[reference];
    for (const layout of this.layouts()) {
      const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')) as ImageIndex;
      const built = index.manifests.find((m) => m.annotations?.[REF_NAME_ANNOTATION] === reference);
      if (!built) continue;
      if (built.digest !== digest) {
        await this.importLayout(layout);
        digest = this.refs()[reference];
      }
      return this.loaded(digest, reference);
    }
    let ref;
    try {
      ref = parseReference(reference);
    } catch (err) {
      throw new ImageNotFoundError((err as Error).message);
    }
    const key = refKey(ref);
    const known = this.refs()[key];
    if (known && !opts.pull && fs.existsSync(this.blobPath(known))) {
      return this.loaded(known, ref.digest ? reference : `${key}@${this.registryDigestOf(key, known)}`);
    }
    let pending = this.pulls.get(key);
    if (!pending) {
      const output = opts.output ?? { progress: (line: string) => this.log(`image ${reference}: ${line}`) };
      pending = pullInto(this.root, ref, output)
        .then((pulled) => {
          this.addRefs(pulled.refs);
          this.log(`image ${reference}: pulled ${pulled.pinned}`);
          return pulled;
        })
        .finally(() => this.pulls.delete(key));
      this.pulls.set(key, pending);
    }
    const pulled = await pending;
    return this.loaded(pulled.manifestDigest, ref.digest ? reference : pulled.pinned);
  }

  /** The registry digest recorded beside a tag (the repo@digest entry naming the same manifest). */
  private registryDigestOf(tagKey: string, manifest: string): string {
    const repo = tagKey.slice(0, tagKey.lastIndexOf(':'));
    const hit = Object.entries(this.refs()).find(([k, v]) => v === manifest && k.startsWith(`${repo}@`));
    return hit ? hit[0].slice(repo.length + 1) : manifest;
  }

  private loaded(digest: string, pinned: string): { manifestDigest: string; config: ImageConfig; pinned: string } {
    const manifest = this.readJsonBlob<ImageManifest>(digest);
    return { manifestDigest: digest, config: this.readJsonBlob<ImageConfig>(manifest.config.digest), pinned };
  }

  private layouts(): string[] {
    const out: string[] = [];
    for (const source of this.sources) {
      if (fs.existsSync(path.join(source, 'index.json'))) out.push(source);
      else if (fs.existsSync(source)) {
        for (const entry of fs.readdirSync(source)) {
          if (fs.existsSync(path.join(source, entry, 'index.json'))) out.push(path.join(source, entry));
        }
      }
    }
    return out;
  }

  /** The image's ext4 root filesystem, built on first use and shared afterwards. */
  async rootfs(reference: string): Promise<ResolvedImage> {
    const { manifestDigest, config } = await this.resolve(reference);
    const [, hex] = splitDigest(manifestDigest);
    const file = path.join(this.root, 'rootfs', `${hex}.ext4`);
    if (!fs.existsSync(file)) {
      let pending = this.building.get(file);
      if (!pending) {
        pending = this.buildRootfs(manifestDigest, file).finally(() => this.building.delete(file));
        this.building.set(file, pending);
      }
      await pending;
    }
    return { reference, manifestDigest, config, rootfs: file };
  }

  private async buildRootfs(manifestDigest: string, file: string): Promise<string> {
    const manifest = this.readJsonBlob<ImageManifest>(manifestDigest);
    const work = `${file}.${process.pid}.unpack`;
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(work, { recursive: true });
    try {
      this.log(`image ${manifestDigest}: unpacking ${manifest.layers.length} layer(s)`);
      for (const layer of manifest.layers) await applyLayer(this.blobPath(layer.digest), layer.mediaType, work);
      const used = Number((await run('du', ['-sb', work])).stdout.split('\t')[0]);
      const size = Math.ceil((used * 1.25 + ROOTFS_HEADROOM_BYTES) / 2 ** 20) * 2 ** 20;
      const tmp = `${file}.${process.pid}.tmp`;
      fs.rmSync(tmp, { force: true });
      const fd = fs.openSync(tmp, 'w');
      fs.ftruncateSync(fd, size);
      fs.closeSync(fd);
      this.log(`image ${manifestDigest}: building a ${Math.round(size / 2 ** 20)} MiB ext4 root filesystem`);
      await run('mkfs.ext4', ['-q', '-F', '-t', 'ext4', '-E', 'nodiscard', '-d', work, tmp]);
      fs.chmodSync(tmp, 0o444);
      fs.renameSync(tmp, file);
      return file;
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
}

/** Extracts one layer over `dir`, honouring OCI whiteouts (.wh.NAME and .wh..wh..opq). */
async function applyLayer(blob: string, mediaType: string, dir: string): Promise<void> {
  const compression = mediaType.endsWith('+gzip') || mediaType.endsWith('.gzip') ? ['-z'] : mediaType.endsWith('+zstd') ? ['--zstd'] : [];
  const listing = (await run('tar', ['-t', ...compression, '-f', blob])).stdout.split('\n').filter(Boolean);
  for (const entry of listing) {
    const base = path.posix.basename(entry);
    if (!base.startsWith('.wh.')) continue;
    const parent = path.join(dir, path.posix.dirname(entry));
    if (base === '.wh..wh..opq') {
      for (const child of fs.existsSync(parent) ? fs.readdirSync(parent) : []) fs.rmSync(path.join(parent, child), { recursive: true, force: true });
    } else {
      fs.rmSync(path.join(parent, base.slice('.wh.'.length)), { recursive: true, force: true });
    }
  }
  await run('tar', ['-x', ...compression, '-f', blob, '-C', dir, '--numeric-owner', '--same-permissions', '--exclude=.wh.*', '--exclude=*/.wh.*']);
}

function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = crypto.createHash('sha256');
    fs.createReadStream(file)
      .on('data', (c) => hash.update(c))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}
