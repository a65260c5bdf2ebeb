// Release: the zip that `make terraform-provider` builds, used as a user would
// use a downloaded release. It is copied out of the checkout, checked against
// its SHA256SUMS, unpacked into a fresh HOME's ~/.terraform.d/plugins (the
// implicit local mirror) and driven by the real terraform with no CLI config
// file: init, validate, apply of a volume, an empty plan, destroy. The daemon
// runs in a temporary LTTLE_HOME; the provider starts it through LTTLE_DAEMON,
// and says what to do when it cannot find one.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RuntimeClient } from '../../runtime/src/client/client';
import { packageRoot } from '../../schema/src/paths';
import { REGISTRY_HOST, TERRAFORM } from '../fixtures/terraform/harness';
import { TestRuntime } from '../support/runtime';
import { implicitMirrorDir, PROVIDER_PLATFORM, PROVIDER_VERSION, RELEASE_DIR, RELEASE_ZIP, releaseEnv } from '../support/terraform-release';

const MAGIC_COOKIE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('terraform: the released provider (single executable, implicit local mirror)', function () {
  this.timeout(600_000);
  const version = PROVIDER_VERSION;
  const zipName = RELEASE_ZIP;
  const exeName = `terraform-provider-lttle_v${version}`;
  const release = RELEASE_DIR;
  let root: string;
  let dist: string;
  let home: string;
  let work: string;
  let pluginDir: string;
  let rt: TestRuntime;
  let env: NodeJS.ProcessEnv;

  function terraform(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Run {
    const res = spawnSync(TERRAFORM, ['-chdir=' + work, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 300_000 });
    return { code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
  }

  function ok(args: string[], code = 0): Run {
    const run = terraform(args);
    if (run.code !== code) throw new Error(`terraform ${args.join(' ')} exited ${run.code} (expected ${code})\n${run.stdout}\n${run.stderr}`);
    return run;
  }

  before(() => {
    if (!fs.existsSync(path.join(release, zipName))) throw new Error(`${zipName} is missing from build/terraform: run make terraform-provider`);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-tf-release-'));
    assert.ok(path.relative(packageRoot(), root).startsWith('..'), 'the temporary directory is outside the checkout');
    dist = path.join(root, 'dist');
    home = path.join(root, 'home');
    work = path.join(root, 'work');
    fs.mkdirSync(dist);
    fs.mkdirSync(home);
    for (const f of [zipName, `terraform-provider-lttle_${version}_SHA256SUMS`, 'terraform-registry-manifest.json'])
      fs.copyFileSync(path.join(release, f), path.join(dist, f));
    fs.cpSync(path.join(packageRoot(), 'test', 'fixtures', 'terraform', 'volume'), work, { recursive: true });
    pluginDir = implicitMirrorDir(home, REGISTRY_HOST);
    rt = new TestRuntime('lttle-tf-release-home-');
    env = releaseEnv(rt.env, home);
    delete env.LTTLE_DAEMON;
  });

  after(async () => {
    await rt?.dispose();
    if (root && !process.env.LTTLE_KEEP_TEST_DIRS) fs.rmSync(root, { recursive: true, force: true });
  });

  it('is a registry-style release: checksums, manifest, a zip of one executable', () => {
    const sums = fs
      .readFileSync(path.join(dist, `terraform-provider-lttle_${version}_SHA256SUMS`), 'utf8')
      .trim()
      .split('\n');
    const listed = new Map(sums.map((line) => line.split(/\s+/).reverse() as [string, string]));
    assert.deepEqual([...listed.keys()].sort(), ['terraform-registry-manifest.json', zipName].sort());
    for (const [file, sum] of listed)
      assert.equal(
        crypto
          .createHash('sha256')
          .update(fs.readFileSync(path.join(dist, file)))
          .digest('hex'),
        sum,
        file,
      );
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dist, 'terraform-registry-manifest.json'), 'utf8')), {
      version: 1,
      metadata: { protocol_versions: ['6.0'] },
    });

    const list = spawnSync('unzip', ['-Z1', path.join(dist, zipName)], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    assert.deepEqual(list.stdout.trim().split('\n'), [exeName]);
    fs.mkdirSync(pluginDir, { recursive: true });
    const unzip = spawnSync('unzip', ['-q', path.join(dist, zipName), '-d', pluginDir], { encoding: 'utf8' });
    assert.equal(unzip.status, 0, unzip.stderr);
    const exe = path.join(pluginDir, exeName);
    assert.ok(fs.statSync(exe).mode & 0o111, 'executable');
    assert.deepEqual([...fs.readFileSync(exe).subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], 'an ELF binary, not a launcher script');
  });

  it('speaks the go-plugin handshake without node, the checkout or a PATH beyond openssl', async () => {
    const bin = path.join(root, 'bin');
    fs.mkdirSync(bin);
    const openssl = spawnSync('sh', ['-c', 'command -v openssl'], { encoding: 'utf8' }).stdout.trim();
    fs.symlinkSync(openssl, path.join(bin, 'openssl'));
    const cert = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        path.join(root, 'client.key'),
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(cert.status, 0, cert.stderr);
    const started = Date.now();
    const line = await new Promise<string>((resolve, reject) => {
      const child = spawn(path.join(pluginDir, exeName), [], {
        cwd: root,
        env: {
          PATH: bin,
          HOME: home,
          TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE,
          PLUGIN_PROTOCOL_VERSIONS: '5,6',
          PLUGIN_MIN_PORT: '20000',
          PLUGIN_MAX_PORT: '29999',
          PLUGIN_CLIENT_CERT: cert.stdout,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve(out.split('\n')[0]);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (!out.includes('\n')) reject(new Error(`provider exited ${code} before its handshake: ${err}`));
      });
    });
    assert.match(line, /^1\|6\|tcp\|127\.0\.0\.1:\d+\|grpc\|[A-Za-z0-9+/]+$/);
    process.stderr.write(`      (handshake after ${Date.now() - started} ms)\n`);
  });

  it('terraform init finds it in ~/.terraform.d/plugins with no CLI config file', () => {
    const run = ok(['init', '-input=false', '-no-color']);
    assert.match(run.stdout, new RegExp(`Installed lttle/lttle v${version.replace(/\./g, '\\.')} \\(unauthenticated\\)`));
    assert.doesNotMatch(run.stdout + run.stderr, /CLI configuration|registry\.(terraform\.io|opentofu\.org)\/.well-known/);
    const cached = path.join(work, '.terraform', 'providers', REGISTRY_HOST, 'lttle', 'lttle', version, PROVIDER_PLATFORM);
    assert.equal(fs.realpathSync(cached), fs.realpathSync(pluginDir));
    assert.match(fs.readFileSync(path.join(work, '.terraform.lock.hcl'), 'utf8'), /"h1:[A-Za-z0-9+/=]+"/);
    ok(['validate', '-no-color']);
  });

  it('says how to get a daemon when none runs and lttled cannot be found', async () => {
    const run = terraform(['apply', '-auto-approve', '-input=false', '-no-color']);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const stderr = run.stderr.replace(/[\s│]+/g, ' ');
    assert.match(stderr, /no lttle runtime answers on \S*lttled\.sock, and lttled is not on PATH to start one: .*LTTLE_DAEMON/);
    await assert.rejects(new RuntimeClient({ env: rt.env, autostart: false }).health(), /cannot reach the lttle runtime/, 'no daemon was started');
  });

  it('applies a volume, starting lttled through LTTLE_DAEMON; then plans no changes', async () => {
    env.LTTLE_DAEMON = path.join(packageRoot(), 'bin', 'lttled');
    ok(['apply', '-auto-approve', '-input=false', '-no-color']);
    const status = await rt.client.getVolume('samples', 'pgdata');
    assert.equal(status?.spec.size, 100 * 2 ** 20);
    const out = JSON.parse(ok(['output', '-json']).stdout) as Record<string, { value: unknown }>;
    assert.equal(out.data_size_bytes.value, 100 * 2 ** 20);
    ok(['plan', '-detailed-exitcode', '-input=false', '-no-color'], 0);
  });

  it('destroys, leaving nothing in the runtime', async () => {
    ok(['destroy', '-auto-approve', '-input=false', '-no-color']);
    assert.deepEqual(await rt.client.listVolumes(), []);
  });

  it('make install-terraform-provider puts the same executable under $HOME', () => {
    const otherHome = path.join(root, 'home2');
    fs.mkdirSync(otherHome);
    // -o: install the zip under test even if sources changed since it was built.
    const make = spawnSync('make', ['-s', '-C', packageRoot(), '-o', `build/terraform/${zipName}`, 'install-terraform-provider'], {
      env: { ...env, HOME: otherHome },
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(make.status, 0, make.stdout + make.stderr);
    const installed = path.join(implicitMirrorDir(otherHome, REGISTRY_HOST), exeName);
    assert.ok(fs.readFileSync(installed).equals(fs.readFileSync(path.join(pluginDir, exeName))));
    assert.deepEqual(fs.readdirSync(path.dirname(installed)), [exeName]);
  });
});
