// The image store as the daemon opens it, for the CLI's image commands on the same host.
import * as path from 'node:path';
import { lttleHome, packageRoot } from '../../../schema/src/paths';
import { ImageStore } from './image-store';

export function openImageStore(env: NodeJS.ProcessEnv = process.env, log?: (line: string) => void): ImageStore {
  return new ImageStore(
    env.LTTLE_IMAGE_STORE || path.join(lttleHome(env), 'images'),
    (env.LTTLE_IMAGE_PATH || path.join(packageRoot(), 'build', 'images')).split(':'),
    log,
  );
}
