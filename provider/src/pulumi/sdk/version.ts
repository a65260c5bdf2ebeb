// The plugin version the SDK asks the engine for: the package's own version,
// so program and plugin from one checkout always match.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as pulumi from '@pulumi/pulumi';
import { packageRoot } from '../../../../schema/src/paths';

let cached: string | undefined;

export function sdkVersion(): string {
  cached ??= (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return cached;
}

/** Resource options with the plugin version filled in (an explicit one wins). */
export function withVersion<T extends pulumi.ResourceOptions>(opts: T | undefined): T {
  return { ...(opts ?? {}), version: opts?.version ?? sdkVersion() } as T;
}
