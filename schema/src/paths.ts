import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sea from 'node:sea';

/** Starts the error of a process whose checkout is gone; clients recognise a daemon's by it (runtime/src/client/stale-daemon.ts). */
export const PACKAGE_ROOT_MISSING = 'cannot find the lttle package root above ';

/** The directory holding package.json: code runs from build/js/..., data lives at the root. */
export function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`${PACKAGE_ROOT_MISSING}${__dirname}`);
    dir = parent;
  }
  return dir;
}

export function schemaDir(): string {
  return path.join(packageRoot(), 'schema');
}

/** Where the runtime keeps its socket, state, volumes and machines. */
export function lttleHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.LTTLE_HOME || path.join(os.homedir(), '.lttle');
}

export function daemonSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(lttleHome(env), 'lttled.sock');
}

/** Entry point of the compiled daemon, started detached by clients. */
export function daemonEntry(): string {
  return path.join(packageRoot(), 'build', 'js', 'runtime', 'src', 'daemon', 'main.js');
}

/** node:sea when running as the single-executable provider (make terraform-provider). */
function seaApp(): typeof sea | undefined {
  return sea.isSea() ? sea : undefined;
}

/**
 * A file of the package by its path from the root (e.g. 'schema/app.schema.json'):
 * from the checkout, or from the assets that a single executable embeds under the same names.
 */
export function readPackageFile(relPath: string): string {
  const sea = seaApp();
  if (sea) return sea.getAsset(relPath, 'utf8');
  return fs.readFileSync(path.join(packageRoot(), relPath), 'utf8');
}

/**
 * The command that starts lttled: $LTTLE_DAEMON (e.g. /path/to/lttle/bin/lttled);
 * else this checkout's compiled daemon; outside a checkout (a single-executable
 * provider) `lttled` on PATH. Undefined when there is none.
 */
export function daemonCommand(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  if (env.LTTLE_DAEMON) return [env.LTTLE_DAEMON];
  if (!seaApp()) return [process.execPath, daemonEntry()];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir || '.', 'lttled');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return [file];
    } catch {
      // not here
    }
  }
  return undefined;
}
