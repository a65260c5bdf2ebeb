// The provider's release zip (`make terraform-provider`) installed as a user
// installs a downloaded release: unpacked into a HOME's implicit local mirror.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../schema/src/paths';

export const PROVIDER_VERSION = (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
export const PROVIDER_PLATFORM = `linux_${process.arch === 'x64' ? 'amd64' : process.arch}`;
export const RELEASE_DIR = path.join(packageRoot(), 'build', 'terraform');
export const RELEASE_ZIP = `terraform-provider-lttle_${PROVIDER_VERSION}_${PROVIDER_PLATFORM}.zip`;

/**
 * ~/.terraform.d/plugins/... of `home`: where `terraform init` (host
 * registry.terraform.io) and `tofu init` (registry.opentofu.org) look without any CLI config.
 */
export function implicitMirrorDir(home: string, host = 'registry.terraform.io'): string {
  return path.join(home, '.terraform.d', 'plugins', host, 'lttle', 'lttle', PROVIDER_VERSION, PROVIDER_PLATFORM);
}

export function installRelease(home: string, zip = path.join(RELEASE_DIR, RELEASE_ZIP)): void {
  if (!fs.existsSync(zip)) throw new Error(`${zip} is missing: run make terraform-provider`);
  for (const host of ['registry.terraform.io', 'registry.opentofu.org']) {
    fs.mkdirSync(implicitMirrorDir(home, host), { recursive: true });
    const unzip = spawnSync('unzip', ['-q', '-o', zip, '-d', implicitMirrorDir(home, host)], { encoding: 'utf8' });
    if (unzip.status !== 0) throw new Error(`unzip ${zip}: ${unzip.stderr}`);
  }
}

/**
 * `base` with HOME set and whatever would hide the implicit mirror removed:
 * implicit mirrors count only while no CLI config sets provider_installation
 * (the machine's TF_CLI_CONFIG_FILE points at a missing file, which would only warn).
 */
export function releaseEnv(base: NodeJS.ProcessEnv, home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, HOME: home, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0' };
  for (const key of Object.keys(env)) {
    if (['TF_CLI_CONFIG_FILE', 'TERRAFORM_CONFIG', 'TF_PLUGIN_CACHE_DIR', 'TF_DATA_DIR', 'XDG_DATA_HOME'].includes(key) || key.startsWith('TF_CLI_ARGS'))
      delete env[key];
  }
  return env;
}
