// The runtime's OCI image store: images imported from OCI layouts (what
// `make image` builds, like `docker build -t`), each turned once into an ext4
// root filesystem that machines share read-only under a qcow2 overlay.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../util/process';
import { writeFileAtomic } from '../util/atomic-file';
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

  private refsFile(): string {
    return path.join(this.root, 'refs.json');
  }

  refs(): Record<string, string> {
    try {
      return JSON.parse(fs.readFileSync(this.refsFile(), 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }

  blobPath(digest: string): string {
    const [algo, hex] = splitDigest(digest);
    return path.join(this.root, 'blobs', algo, hex);
  }

  private readJsonBlob<T>(digest: string): T {
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
      writeFileAtomic(this.refsFile(), JSON.stringify({ ...this.refs(), [ref]: descriptor.digest }, null, 2), 0o644);
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

  /**
   * Finds a reference, importing it from the source layouts when they have it
   * under another digest: a local rebuild re-tags the reference, like `docker build -t`.
   */
  async resolve(reference: string): Promise<{ manifestDigest: string; config: ImageConfig }> {
    let digest = this.refs()[reference];
    for (const layout of this.layouts()) {
      const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')) as ImageIndex;
      const built = index.manifests.find((m) => m.annotations?.[REF_NAME_ANNOTATION] === reference);
      if (!built) continue;
      if (built.digest !== digest) {
        await this.importLayout(layout);
        digest = this.refs()[reference];
      }
      break;
    }
    if (!digest) {
      throw new ImageNotFoundError(
        `image ${reference} is not in the local image store and no local build provides it (build postgres:17-flash with \`make image\`; remote registries are not reachable from this host)`,
      );
    }
    const manifest = this.readJsonBlob<ImageManifest>(digest);
    return { manifestDigest: digest, config: this.readJsonBlob<ImageConfig>(manifest.config.digest) };
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
