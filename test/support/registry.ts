// Test support: a real CNCF distribution registry (Debian's docker-registry)
// on 127.0.0.1 with its storage in a temp dir, and OCI layouts to push to it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function sh(program: string, args: string[], input?: string): string {
  const r = spawnSync(program, args, { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${program} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

export class TestRegistry {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-registry-'));
  private child?: ChildProcess;
  port = 0;

  /** @param auth htpasswd credentials the registry requires, or none */
  constructor(private readonly auth?: { user: string; password: string }) {}

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  get storage(): string {
    return path.join(this.dir, 'storage');
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const lines = [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${this.storage}`,
      '  delete:',
      '    enabled: true',
    ];
    lines.push('http:', `  addr: 127.0.0.1:${this.port}`);
    if (this.auth) {
      sh('htpasswd', ['-Bbc', path.join(this.dir, 'htpasswd'), this.auth.user, this.auth.password]);
      lines.push('auth:', '  htpasswd:', '    realm: lttle-test', `    path: ${path.join(this.dir, 'htpasswd')}`);
    }
    fs.writeFileSync(path.join(this.dir, 'config.yml'), `${lines.join('\n')}\n`);
    const log = fs.openSync(path.join(this.dir, 'registry.log'), 'a');
    this.child = spawn('docker-registry', ['serve', path.join(this.dir, 'config.yml')], { stdio: ['ignore', log, log] });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const s = net.connect(this.port, '127.0.0.1', () => resolve(!!s.end()));
        s.on('error', () => resolve(false));
      });
      if (up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`docker-registry did not listen on ${this.host}: ${fs.readFileSync(path.join(this.dir, 'registry.log'), 'utf8')}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.on('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  async destroy(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Pushes an OCI layout (every platform of an index with `all`) to repo:tag on this registry. */
  push(layout: string, repoTag: string, opts: { all?: boolean; creds?: string } = {}): void {
    const args = ['copy', '-q', '--dest-tls-verify=false', ...(opts.all ? ['--all'] : []), ...(opts.creds ? ['--dest-creds', opts.creds] : [])];
    sh('skopeo', [...args, `oci:${layout}`, `docker://${this.host}/${repoTag}`]);
  }

  /** The layer blob files in the registry's storage (to corrupt one). */
  blobData(digest: string): string {
    const hex = digest.replace('sha256:', '');
    return path.join(this.storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
  }
}

export interface Layer {
  files: Record<string, string | Buffer>;
  /** File modes other than 0644, e.g. { 'bin/busybox': 0o755 }. */
  modes?: Record<string, number>;
}

/**
 * Writes an OCI layout with one image of several gzip layers (or, with
 * `platforms`, a multi-arch index), like a small `docker build` would.
 */
export function writeLayout(
  dir: string,
  layers: Layer[],
  config: Record<string, unknown> = {},
  platforms: string[] = ['amd64'],
): { manifests: string[]; layers: string[] } {
  fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (data: Buffer): { digest: string; size: number } => {
    const hex = crypto.createHash('sha256').update(data).digest('hex');
    fs.writeFileSync(path.join(dir, 'blobs', 'sha256', hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  const layerDescs = layers.map((layer) => {
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-layer-'));
    for (const [file, content] of Object.entries(layer.files)) {
      fs.mkdirSync(path.dirname(path.join(src, file)), { recursive: true });
      fs.writeFileSync(path.join(src, file), content);
      fs.chmodSync(path.join(src, file), layer.modes?.[file] ?? 0o644);
    }
    // maxBuffer: the default (1 MiB) would silently truncate a bigger layer.
    const tar = spawnSync('tar', ['-c', '--owner=0', '--group=0', '--mtime=@0', '--sort=name', '-C', src, '.'], { maxBuffer: 1 << 30 }).stdout;
    fs.rmSync(src, { recursive: true, force: true });
    const gz = zlib.gzipSync(tar);
    return { ...put(gz), diffId: `sha256:${crypto.createHash('sha256').update(tar).digest('hex')}` };
  });
  const manifests = platforms.map((arch) => {
    const cfg = put(
      Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', config, rootfs: { type: 'layers', diff_ids: layerDescs.map((l) => l.diffId) } })),
    );
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
      layers: layerDescs.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
    };
    return {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...put(Buffer.from(JSON.stringify(manifest))),
      platform: { architecture: arch, os: 'linux' },
    };
  });
  let top = manifests;
  if (platforms.length > 1) {
    const index = put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests })));
    top = [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...index, platform: { architecture: '', os: '' } }];
  }
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: top.map(({ platform, ...d }) => (platforms.length > 1 ? d : { ...d, platform })) }),
  );
  return { manifests: manifests.map((m) => m.digest), layers: layerDescs.map((l) => l.digest) };
}
