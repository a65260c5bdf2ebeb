import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The directory holding package.json: code runs from build/js/..., data lives at the root. */
export function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the lttle package root above ${__dirname}`);
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
