// Registry access through Debian's skopeo (containers/image): the maintained
// client of the OCI distribution API that podman and buildah use. It resolves
// tags, negotiates token auth, reads ~/.docker/config.json, verifies every
// blob's digest while writing it to an OCI layout, and reuses blobs the layout
// already holds. The npm OCI clients are small, single-maintainer projects.
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { classifySkopeoError, RegistryError } from './errors';
import { formatReference, isLoopbackRegistry, repositoryOf, type ImageReference } from './reference';

/** Where registry credentials live: docker's file, which `lttle registry login` writes too. */
export function authFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.LTTLE_REGISTRY_AUTH_FILE || path.join(env.HOME || os.homedir(), '.docker', 'config.json');
}

/** Plain HTTP (and unverified TLS) only for loopback registries or ones listed in LTTLE_INSECURE_REGISTRIES. */
export function isInsecure(registry: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const listed = (env.LTTLE_INSECURE_REGISTRIES ?? '').split(',').map((s) => s.trim());
  return isLoopbackRegistry(registry) || listed.includes(registry);
}

function commonArgs(registry: string, tlsFlag: 'tls-verify' | 'src-tls-verify'): string[] {
  const file = authFile();
  return [`--${tlsFlag}=${isInsecure(registry) ? 'false' : 'true'}`, ...(fs.existsSync(file) ? ['--authfile', file] : [])];
}

interface Result {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs skopeo; `progress` receives its stdout (or the terminal gets it directly). */
function skopeo(args: string[], opts: { input?: string; terminal?: boolean; progress?: (line: string) => void } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn('skopeo', args, { stdio: ['pipe', opts.terminal ? 2 : 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let pending = '';
    child.stdout?.on('data', (c: Buffer) => {
      out.push(c);
      if (!opts.progress) return;
      const lines = (pending + c.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) opts.progress(line.trim());
    });
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new RegistryError('unavailable', 'skopeo is not installed (make registry-tools installs it)') : e),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: err }));
    child.stdin?.end(opts.input ?? '');
  });
}

/** The digest the registry serves for a reference now (a tag is resolved, a digest checked). */
export async function resolveDigest(ref: ImageReference): Promise<string> {
  const text = formatReference(ref);
  const r = await skopeo(['inspect', '--raw', '--retry-times', '0', ...commonArgs(ref.registry, 'tls-verify'), `docker://${text}`]);
  if (r.code !== 0) throw await explain(ref, r.stderr);
  return `sha256:${crypto.createHash('sha256').update(r.stdout).digest('hex')}`;
}

/**
 * Copies the image at `repo@digest` into an OCI layout under `name`, for this
 * host's platform when the digest is a multi-arch index. Returns the digest of
 * the manifest written (the platform's manifest).
 */
export async function copyToLayout(
  ref: ImageReference,
  digest: string,
  layout: string,
  name: string,
  out: { terminal?: boolean; progress?: (line: string) => void },
): Promise<string> {
  const digestFile = path.join(os.tmpdir(), `lttle-pull-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  try {
    const source = `docker://${repositoryOf(ref)}@${digest}`;
    const r = await skopeo(
      ['copy', '--retry-times', '0', ...commonArgs(ref.registry, 'src-tls-verify'), '--digestfile', digestFile, source, `oci:${layout}:${name}`],
      out,
    );
    if (r.code !== 0) throw await explain(ref, r.stderr);
    return fs.readFileSync(digestFile, 'utf8').trim();
  } finally {
    fs.rmSync(digestFile, { force: true });
  }
}

async function explain(ref: ImageReference, stderr: string): Promise<RegistryError> {
  const err = classifySkopeoError(ref, stderr);
  if (err.kind !== 'manifest-unknown') return err;
  // The registry says "manifest unknown" for a missing tag and a missing repository alike: ask for the tags.
  const r = await skopeo(['list-tags', '--retry-times', '0', ...commonArgs(ref.registry, 'tls-verify'), `docker://${repositoryOf(ref)}`]);
  if (r.code !== 0) return new RegistryError('unknown-image', `image ${repositoryOf(ref)} does not exist on ${ref.registry}`);
  const tags = (JSON.parse(r.stdout.toString()) as { Tags?: string[] }).Tags ?? [];
  const what = ref.digest ? `digest ${ref.digest}` : `tag "${ref.tag}"`;
  return new RegistryError('no-such-tag', `image ${repositoryOf(ref)} has no ${what} (tags: ${tags.slice(0, 10).join(', ') || 'none'})`);
}

/** Stores credentials for a registry in the auth file, after checking them against the registry. */
export async function login(registry: string, username: string, password: string): Promise<string> {
  const file = authFile();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) fs.writeFileSync(file, '{}\n', { mode: 0o600 });
  const tls = `--tls-verify=${isInsecure(registry) ? 'false' : 'true'}`;
  const r = await skopeo(['login', tls, '--authfile', file, '--username', username, '--password-stdin', registry], { input: password });
  if (r.code !== 0) throw classifySkopeoError({ registry, repository: '', tag: undefined }, r.stderr);
  return file;
}

export async function logout(registry: string): Promise<void> {
  const file = authFile();
  if (!fs.existsSync(file)) return;
  const r = await skopeo(['logout', '--authfile', file, registry]);
  if (r.code !== 0 && !/not logged in/i.test(r.stderr)) throw new RegistryError('failed', r.stderr.trim());
}
