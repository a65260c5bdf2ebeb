// An initialised PostgreSQL data volume for tests that need the seed's database
// but not its first boot: initdb under TCG takes most of a minute, a boot on an
// existing data directory a few seconds. The volume is made once (a regular-mode
// seed booted to ready and stopped cleanly), kept under build/test-cache keyed
// by the image and the seed, and copied into each test's home. Tests that assert
// what the first boot does (initdb's log, the flash trigger skipping initdb's
// temporary server) keep deploying the seed on an empty volume.
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../schema/src/paths';
import { TestRuntime, volumeYaml } from './runtime';
import { regularMode, SEED_FILE, seedDocuments, seedWith } from './seed';

const IMAGE_INDEX = path.join(packageRoot(), 'build', 'images', 'postgres-17-flash', 'index.json');
const CACHE = path.join(packageRoot(), 'build', 'test-cache');

function volumeFile(rt: TestRuntime, namespace: string, name: string): string {
  return path.join(rt.home, 'volumes', namespace, `${name}.ext4`);
}

/** The cached volume's path: a new image or a changed seed makes a new one. */
function cachedPath(): string {
  const key = crypto.createHash('sha256').update(fs.readFileSync(IMAGE_INDEX)).update(fs.readFileSync(SEED_FILE)).digest('hex').slice(0, 16);
  return path.join(CACHE, `seed-pgdata-${key}.ext4`);
}

async function makeCachedVolume(file: string): Promise<void> {
  const rt = new TestRuntime('lttle-seed-volume-');
  try {
    const { volume, app } = seedDocuments();
    const res = await rt.cli(['deploy', rt.writeFile('seed.yaml', seedWith(regularMode)), '--timeout', '900']);
    if (res.code !== 0) throw new Error(`deploying the seed for the cached data volume failed: ${res.stderr}`);
    // Deleting the app stops PostgreSQL cleanly (its stop signal, then sync): the copy needs no recovery.
    const del = await rt.cli(['app', 'delete', '--ns', app.namespace, app.name, '-y']);
    if (del.code !== 0) throw new Error(`stopping the seed for the cached data volume failed: ${del.stderr}`);
    fs.mkdirSync(CACHE, { recursive: true });
    execFileSync('cp', ['--sparse=always', volumeFile(rt, volume.namespace, volume.name), `${file}.tmp`]);
    fs.renameSync(`${file}.tmp`, file);
  } finally {
    await rt.dispose();
  }
}

/**
 * Creates the seed's volume (100Mi) as `namespace/name` in the test's runtime,
 * holding an initialised data directory of the seed's user, password and database.
 */
export async function deployInitialisedSeedVolume(rt: TestRuntime, namespace = 'samples', name = 'pgdata'): Promise<void> {
  const cached = cachedPath();
  if (!fs.existsSync(cached)) await makeCachedVolume(cached);
  const { volume } = seedDocuments();
  const res = await rt.cli(['deploy', rt.writeFile(`volume-${namespace}-${name}.yaml`, volumeYaml(name, volume.size, namespace))]);
  if (res.code !== 0) throw new Error(`creating volume ${namespace}/${name} failed: ${res.stderr}`);
  // No app mounts it yet: the daemon does not hold the file open.
  execFileSync('cp', ['--sparse=always', cached, volumeFile(rt, namespace, name)]);
}
