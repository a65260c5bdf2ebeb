#!/usr/bin/env node
// Builds the release of terraform-provider-lttle, as the Terraform registry
// would serve it, into build/terraform/ (make terraform-provider runs this):
//
//   terraform-provider-lttle_<version>_<os>_<arch>.zip    one executable:
//       terraform-provider-lttle_v<version>
//   terraform-registry-manifest.json                       protocol 6.0
//   terraform-provider-lttle_<version>_SHA256SUMS
//
// The executable is a Node single executable application: the compiled
// provider (build/js, from tsc) bundled into one script by esbuild, turned
// into a SEA blob by `node --experimental-sea-config` together with the files
// the provider reads at run time (its .proto files and the JSON Schemas under
// schema/, as SEA assets read by readPackageFile in provider/src/model/paths.ts),
// and injected with postject into a copy of the node binary running this
// script. It runs without the checkout, node_modules or a node on PATH.
// It still needs `openssl` on PATH (tls.ts issues the AutoMTLS certificate
// with it) and an lttled to talk to (see daemonCommand in paths.ts).
//
// The build is reproducible: the same sources and node binary give the same
// bytes (SOURCE_DATE_EPOCH, else the last commit's time, dates the zip entry),
// so reinstalling an unchanged provider keeps .terraform.lock.hcl valid.
//
//   node provider/release/build-terraform-provider.mjs [--out DIR] [--no-strip] [--code-cache]
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(root, 'package.json'));
const args = process.argv.slice(2);
const outDir = path.resolve(args.includes('--out') ? args[args.indexOf('--out') + 1] : path.join(root, 'build', 'terraform'));
const strip = !args.includes('--no-strip');
const codeCache = args.includes('--code-cache');

const NAME = 'terraform-provider-lttle';
const ENTRY = path.join(root, 'build', 'js', 'provider', 'src', 'terraform', 'main.js');
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** Files the provider reads through readPackageFile, by their path from the package root. */
const ASSET_DIRS = [
  { dir: 'provider/src/terraform/proto', match: /\.proto$/ },
  { dir: 'schema', match: /\.schema\.json$/ },
];

const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
// The executable is for the platform of the node binary that runs this script.
const GOARCH = { x64: 'amd64', arm64: 'arm64' }[process.arch];
if (process.platform !== 'linux' || !GOARCH) throw new Error(`builds run on linux amd64/arm64 (ELF, strip), not ${process.platform}/${process.arch}`);
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 12)) throw new Error(`node ${process.versions.node} has no SEA assets; node >= 20.12 is needed`);
if (!fs.existsSync(ENTRY)) throw new Error(`${path.relative(root, ENTRY)} is missing: run make build (tsc) first`);

const platform = `linux_${GOARCH}`;
const exeName = `${NAME}_v${version}`;
const zipName = `${NAME}_${version}_${platform}.zip`;
const work = path.join(outDir, 'sea');
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });

function log(msg) {
  process.stderr.write(`terraform-provider: ${msg}\n`);
}

// 1. One CommonJS script with every dependency (SEA's require has only node's built-ins).
const esbuild = require('esbuild');
const bundle = path.join(work, 'provider.js');
const result = await esbuild.build({
  entryPoints: [ENTRY],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  target: `node${major}`,
  format: 'cjs',
  minify: true,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
const { builtinModules } = require('node:module');
const external = Object.values(result.metafile.outputs)
  .flatMap((o) => o.imports ?? [])
  .filter((i) => i.external && !i.path.startsWith('node:') && !builtinModules.includes(i.path));
if (external.length) throw new Error(`the bundle leaves modules external: ${[...new Set(external.map((i) => i.path))].join(', ')}`);

// 2. The SEA blob: the bundle plus the assets.
const assets = {};
for (const { dir, match } of ASSET_DIRS) {
  for (const rel of fs.readdirSync(path.join(root, dir), { recursive: true }).map(String).sort()) {
    if (match.test(rel)) assets[`${dir}/${rel.split(path.sep).join('/')}`] = path.join(root, dir, rel);
  }
}
const blob = path.join(work, 'sea.blob');
const seaConfig = path.join(work, 'sea-config.json');
// V8's code cache would save about 60 ms of CPU per start but differs from
// build to build, which would break reproducibility (and lock files). Paths are
// relative: the blob records the main script's name.
fs.writeFileSync(seaConfig, JSON.stringify({ main: path.basename(bundle), output: path.basename(blob), disableExperimentalSEAWarning: true, useCodeCache: codeCache, useSnapshot: false, assets }, null, 2) + '\n');
run(process.execPath, ['--experimental-sea-config', seaConfig], { cwd: work });

// 3. A copy of this node binary (symbols stripped: about 12 MB less) with the blob injected.
const exe = path.join(work, exeName);
fs.copyFileSync(process.execPath, exe);
fs.chmodSync(exe, 0o755);
if (strip) {
  try {
    execFileSync('strip', [exe], { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (err) {
    log(`not stripped (${err.message.split('\n')[0]})`);
  }
}
// (postject's LIEF warns "Can't find string offset for section name '.note…'" about node's unnamed ELF notes: harmless.)
run(process.execPath, [require.resolve('postject/dist/cli.js'), exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);

// 4. The release files: zip, manifest, checksums.
fs.mkdirSync(outDir, { recursive: true });
const epoch = Number(process.env.SOURCE_DATE_EPOCH || gitTime() || 315532800);
fs.utimesSync(exe, epoch, epoch);
const zip = path.join(outDir, zipName);
fs.rmSync(zip, { force: true });
// -X: no uid/gid or extra timestamps, so the same executable gives the same zip.
run('zip', ['-q', '-X', zip, exeName], { cwd: work, env: { ...process.env, TZ: 'UTC' } });
const manifestName = 'terraform-registry-manifest.json';
fs.writeFileSync(path.join(outDir, manifestName), JSON.stringify({ version: 1, metadata: { protocol_versions: ['6.0'] } }) + '\n');
const sums = [zipName, manifestName].map((f) => `${sha256(path.join(outDir, f))}  ${f}\n`).join('');
fs.writeFileSync(path.join(outDir, `${NAME}_${version}_SHA256SUMS`), sums);

const mib = (f) => (fs.statSync(f).size / 2 ** 20).toFixed(1);
log(`${path.relative(process.cwd(), zip)} (${mib(zip)} MiB; executable ${exeName} ${mib(exe)} MiB, bundle ${mib(bundle)} MiB, ${Object.keys(assets).length} assets)`);

/** Runs a build tool quietly; its output is shown when it fails. */
function run(cmd, argv, { cwd, env } = {}) {
  try {
    execFileSync(cmd, argv, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 2 ** 20 });
  } catch (err) {
    process.stderr.write(`${err.stdout ?? ''}${err.stderr ?? ''}`);
    throw new Error(`${path.basename(cmd)} ${argv.map((a) => path.basename(a)).join(' ')} failed: ${err.message.split('\n')[0]}`);
  }
}

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function gitTime() {
  try {
    return execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}
