// Images from a real registry (Debian's docker-registry on 127.0.0.1): pull by
// tag and digest, shared layers, pinned digests, corrupt blobs, a registry that
// is down, and htpasswd auth. No VM boots: apps here wait for a missing volume.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../../schema/src/paths';
import { TestRegistry, writeLayout } from '../support/registry';
import { TestRuntime } from '../support/runtime';

function registryDigest(ref: string, creds?: string): string {
  const r = spawnSync('skopeo', ['inspect', '--tls-verify=false', ...(creds ? ['--creds', creds] : []), '--format', '{{.Digest}}', `docker://${ref}`], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

function storeRefs(store: string): Record<string, string> {
  const file = path.join(store, 'refs.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>) : {};
}

function blobFile(store: string, digest: string): string {
  return path.join(store, 'blobs', 'sha256', digest.replace('sha256:', ''));
}

describe('registry: pulling images over the distribution API', function () {
  this.timeout(240_000);
  const registry = new TestRegistry();
  const rt = new TestRuntime('lttle-registry-');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-registry-work-'));
  const store = path.join(work, 'store');
  let v1: ReturnType<typeof writeLayout>;
  let v2: ReturnType<typeof writeLayout>;

  before(async () => {
    // The store and docker config of this test only: nothing leaks into the suite's shared store.
    rt.env.LTTLE_IMAGE_STORE = store;
    rt.env.HOME = path.join(work, 'home');
    await registry.start();
    const base = { files: { 'bin/base.txt': 'base layer\n' } };
    const shared = { files: { 'usr/share/shared.txt': 'shared layer\n' } };
    v1 = writeLayout(path.join(work, 'v1'), [base, shared, { files: { 'app/version': 'v1\n' } }], { Cmd: ['/bin/app'], Env: ['MODE=one'] });
    v2 = writeLayout(path.join(work, 'v2'), [base, shared, { files: { 'app/version': 'v2\n' } }], { Cmd: ['/bin/app'], Env: ['MODE=two'] });
    writeLayout(path.join(work, 'multi'), [base, { files: { 'etc/arch': 'any\n' } }], {}, ['amd64', 'arm64']);
    registry.push(path.join(work, 'v1'), 'team/app:v1');
    registry.push(path.join(work, 'v2'), 'team/app:v2');
    registry.push(path.join(work, 'multi'), 'team/multi:latest', { all: true });
  });
  after(async () => {
    await rt.dispose();
    await registry.destroy();
    fs.rmSync(work, { recursive: true, force: true });
  });
  const v1Digest = () => registryDigest(`${registry.host}/team/app:v1`);

  it('pulls by tag: prints the digest the tag resolved to and stores every verified layer', async () => {
    const res = await rt.cli(['image', 'pull', `${registry.host}/team/app:v1`]);
    assert.equal(res.code, 0, res.stderr);
    const digest = registryDigest(`${registry.host}/team/app:v1`);
    assert.match(res.stdout, new RegExp(`^Pulled ${registry.host}/team/app:v1@${digest}\n`));
    for (const layer of v1.layers) assert.ok(fs.existsSync(blobFile(store, layer)), `layer ${layer} stored`);
    assert.equal(storeRefs(store)[`${registry.host}/team/app:v1`], digest);
    const list = await rt.cli(['image', 'list']);
    assert.match(list.stdout, new RegExp(`${registry.host}/team/app:v1 +${digest}`));
  });

  it('pulls by digest, and a second image fetches only the layers the store lacks', async () => {
    const shared = v1.layers.slice(0, 2).map((l) => fs.statSync(blobFile(store, l)));
    const digest = registryDigest(`${registry.host}/team/app:v2`);
    const res = await rt.cli(['image', 'pull', `${registry.host}/team/app@${digest}`]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`Pulled ${registry.host}/team/app@${digest}`));
    // The shared layers were reused in place (same file, not rewritten); only v2's own layer is new.
    v2.layers.slice(0, 2).forEach((l, i) => {
      const now = fs.statSync(blobFile(store, l));
      assert.equal(now.ino, shared[i].ino);
      assert.equal(now.mtimeMs, shared[i].mtimeMs);
    });
    assert.ok(fs.existsSync(blobFile(store, v2.layers[2])));
  });

  it('pulls a multi-arch index: pins the index digest, stores this platform (amd64)', async () => {
    const res = await rt.cli(['image', 'pull', `${registry.host}/team/multi`]);
    assert.equal(res.code, 0, res.stderr);
    const index = registryDigest(`${registry.host}/team/multi:latest`);
    assert.match(res.stdout, new RegExp(`Pulled ${registry.host}/team/multi:latest@${index}`));
    const manifest = storeRefs(store)[`${registry.host}/team/multi:latest`];
    const config = JSON.parse(
      fs.readFileSync(
        blobFile(store, (JSON.parse(fs.readFileSync(blobFile(store, manifest), 'utf8')) as { config: { digest: string } }).config.digest),
        'utf8',
      ),
    ) as { architecture: string };
    assert.equal(config.architecture, 'amd64');
  });

  it('clear errors for an unknown image and a missing tag, leaving the store unchanged', async () => {
    const before = fs.readFileSync(path.join(store, 'refs.json'), 'utf8');
    const unknown = await rt.cli(['image', 'pull', `${registry.host}/team/nothing:v1`]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, new RegExp(`image ${registry.host}/team/nothing does not exist on ${registry.host}`));
    const tag = await rt.cli(['image', 'pull', `${registry.host}/team/app:v9`]);
    assert.equal(tag.code, 1);
    assert.match(tag.stderr, /image .*team\/app has no tag "v9" \(tags: v1, v2\)/);
    assert.equal(fs.readFileSync(path.join(store, 'refs.json'), 'utf8'), before);
  });

  it('refuses a layer whose bytes do not match its digest, and stores nothing of it', async () => {
    const bad = writeLayout(path.join(work, 'bad'), [{ files: { 'bad.txt': 'will be corrupted\n' } }]);
    registry.push(path.join(work, 'bad'), 'team/bad:v1');
    const data = registry.blobData(bad.layers[0]);
    const bytes = fs.readFileSync(data);
    bytes[bytes.length - 5] ^= 0xff;
    fs.writeFileSync(data, bytes);
    const res = await rt.cli(['image', 'pull', `${registry.host}/team/bad:v1`]);
    assert.equal(res.code, 1, res.stdout);
    assert.match(res.stderr, /does not match its digest, refused/);
    assert.ok(!fs.existsSync(blobFile(store, bad.layers[0])));
    assert.equal(storeRefs(store)[`${registry.host}/team/bad:v1`], undefined);
    const strays = fs.readdirSync(path.join(store, 'blobs', 'sha256')).filter((f) => !/^[a-f0-9]{64}$/.test(f));
    assert.deepEqual(strays, [], 'no half-written file left');
  });

  it('image prune deletes the layers only removed images used, keeping shared ones', async () => {
    const v2Only = v2.layers[2];
    assert.ok(fs.existsSync(blobFile(store, v2Only)));
    // Forget every reference to team/app but v1 (v2, pulled by digest).
    const list = JSON.parse((await rt.cli(['image', 'list', '--output', 'json'])).stdout) as { reference: string }[];
    const others = list.map((i) => i.reference).filter((r) => r.includes('/team/app') && !r.endsWith('/team/app:v1') && !r.includes(v1Digest()));
    assert.ok(others.length > 0);
    // A tag's pin goes with it, so some of these are already gone when their turn comes.
    for (const ref of others) await rt.cli(['image', 'rm', ref]);
    const left = (await rt.cli(['image', 'list'])).stdout;
    assert.ok(!others.some((r) => left.includes(r)), left);
    const prune = await rt.cli(['image', 'prune']);
    assert.equal(prune.code, 0, prune.stderr);
    assert.match(prune.stdout, /^Deleted [1-9]\d* blob\(s\)/);
    assert.ok(!fs.existsSync(blobFile(store, v2Only)), 'the layer only v2 used is gone');
    for (const l of v1.layers) assert.ok(fs.existsSync(blobFile(store, l)), 'v1 (still tagged) keeps its layers, shared ones included');
  });

  it('a deploy pins the digest; a moved tag is picked up by --pull only; registry down leaves the app unchanged', async () => {
    const ref = `${registry.host}/team/app:stable`;
    registry.push(path.join(work, 'v1'), 'team/app:stable');
    const d1 = registryDigest(ref);
    // The app waits for a volume that never comes: it resolves its image but boots no VM.
    const file = rt.writeFile('pinned.yaml', `app:\n  name: pinned\n  image: ${ref}\n  volumes:\n    - name: never\n      path: /data\n`);
    const first = await rt.cli(['deploy', file, '--no-wait', '--allow-missing-volumes']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal((await rt.client.getApp('default', 'pinned'))?.spec.image, `${ref}@${d1}`);
    const shown = await rt.cli(['app', 'get', 'pinned']);
    assert.match(shown.stdout, new RegExp(`${ref}@${d1}`));
    await rt.waitForApp('default', 'pinned', { states: ['waiting'], timeoutMs: 120_000 });

    registry.push(path.join(work, 'v2'), 'team/app:stable');
    const d2 = registryDigest(ref);
    assert.notEqual(d1, d2);
    const unchanged = await rt.cli(['deploy', file, '--no-wait', '--allow-missing-volumes', '--output', 'json']);
    assert.equal(unchanged.code, 0, unchanged.stderr);
    assert.equal((JSON.parse(unchanged.stdout) as { action: string }[])[0].action, 'none');
    assert.equal((await rt.client.getApp('default', 'pinned'))?.spec.image, `${ref}@${d1}`);

    await registry.stop();
    const down = await rt.cli(['deploy', file, '--pull', '--no-wait', '--allow-missing-volumes']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, new RegExp(`image: registry ${registry.host} is not reachable: .*connection refused[^]*Nothing was deployed`));
    assert.equal((await rt.client.getApp('default', 'pinned'))?.spec.image, `${ref}@${d1}`);
    await registry.start();

    const pulled = await rt.cli(['deploy', file, '--pull', '--no-wait', '--allow-missing-volumes', '--output', 'json']);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.notEqual((JSON.parse(pulled.stdout) as { action: string }[])[0].action, 'none');
    assert.equal((await rt.client.getApp('default', 'pinned'))?.spec.image, `${ref}@${d2}`);
    // Not deleted here: the daemon's DELETE of an app redeployed while waiting for a volume hangs (reported);
    // dispose() stops the daemon.
  });

  it('pulls the postgres image the build makes, pushed to the registry', async () => {
    const layout = path.join(packageRoot(), 'build', 'images', 'postgres-17-flash');
    registry.push(layout, 'lttle/postgres:17-flash');
    const res = await rt.cli(['image', 'pull', `${registry.host}/lttle/postgres:17-flash`]);
    assert.equal(res.code, 0, res.stderr);
    const manifest = storeRefs(store)[`${registry.host}/lttle/postgres:17-flash`];
    const m = JSON.parse(fs.readFileSync(blobFile(store, manifest), 'utf8')) as { config: { digest: string } };
    const config = JSON.parse(fs.readFileSync(blobFile(store, m.config.digest), 'utf8')) as { config: { Labels?: Record<string, string> } };
    assert.ok(config.config.Labels && 'cloud.lttle.readiness' in config.config.Labels);
  });
});

describe('registry: authentication', function () {
  this.timeout(300_000);
  const registry = new TestRegistry({ user: 'alice', password: 'pa55-word-not-logged' });
  const rt = new TestRuntime('lttle-registry-auth-');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-registry-auth-'));

  before(async () => {
    rt.env.LTTLE_IMAGE_STORE = path.join(work, 'store');
    rt.env.HOME = path.join(work, 'home');
    await registry.start();
    writeLayout(path.join(work, 'img'), [{ files: { 'hello.txt': 'hi\n' } }]);
    registry.push(path.join(work, 'img'), 'private/app:v1', { creds: 'alice:pa55-word-not-logged' });
  });
  after(async () => {
    await rt.dispose();
    await registry.destroy();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('is unauthorised without credentials, refuses a wrong password, and pulls after `lttle registry login`', async () => {
    const ref = `${registry.host}/private/app:v1`;
    const anonymous = await rt.cli(['image', 'pull', ref]);
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, new RegExp(`registry ${registry.host} refused access to ${registry.host}/private/app: unauthorized`));

    const wrong = await rt.cli(['registry', 'login', registry.host, '-u', 'alice', '--password-stdin'], { input: 'nope\n' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /unauthorized/);

    const login = await rt.cli(['registry', 'login', registry.host, '-u', 'alice', '--password-stdin'], { input: 'pa55-word-not-logged\n' });
    assert.equal(login.code, 0, login.stderr);
    assert.ok(!`${login.stdout}${login.stderr}`.includes('pa55-word'), 'the password is never printed');
    assert.ok(fs.existsSync(path.join(work, 'home', '.docker', 'config.json')));

    const pulled = await rt.cli(['image', 'pull', ref]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stdout, /^Pulled /);
  });
});
