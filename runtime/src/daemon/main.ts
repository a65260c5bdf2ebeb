// lttled: the host runtime. Started detached by the CLI and the providers when
// its socket does not answer; one per $LTTLE_HOME.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { daemonSocketPath, lttleHome, packageRoot } from '../../../schema/src/paths';
import { ImageStore } from '../image/image-store';
import { chooseAccel } from '../vm/accel';
import type { AppRecord } from '../app/app-state';
import { AppManager } from '../app/app-manager';
import { qemuMachines } from '../app/qemu-machine';
import { handleExecUpgrade } from '../api/exec-stream';
import { VolumeManager } from '../volume/volume-manager';
import type { VolumeRecord } from '../volume/volume-record';
import { VolumeSnapshots } from '../volume/volume-snapshots';
import { acquireHomeLock, HomeLockedError } from './home-lock';
import { addAppRoutes } from '../api/routes-apps';
import { addVolumeRoutes } from '../api/routes-volumes';
import { addMoveRoutes } from '../api/routes-moves';
import { AppMoves } from '../app/app-moves';
import { createServer } from '../api/server';
import { StateStore } from '../state/store';
import { startNodeAgent } from './node-mode';
import { ConflictError } from '../../../schema/src/errors';
import { ImageMemoryBases } from '../vm/shared-pages';

/** A TCP listener's bearer token must not be guessable. */
const MIN_TOKEN_LENGTH = 24;

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}

/** True when something answers on the socket (another daemon). */
function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function main(): Promise<void> {
  const home = lttleHome();
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  let release: () => void;
  try {
    release = await acquireHomeLock(home);
  } catch (err) {
    if (err instanceof HomeLockedError) {
      log(`lttled: ${err.message}`);
      process.exit(3);
    }
    throw err;
  }
  const socketPath = daemonSocketPath();
  if (await socketAnswers(socketPath)) {
    log(`lttled: another daemon answers on ${socketPath}`);
    release();
    process.exit(3);
  }
  fs.rmSync(socketPath, { force: true });

  const version = (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  const accel = chooseAccel();
  log(`lttled ${version} starting (pid ${process.pid}, home ${home}, accel ${accel.accel}: ${accel.reason})`);

  const root = packageRoot();
  const unreadable = (file: string, err: Error) => log(`lttled: skipping the unreadable record ${file}: ${err.message}`);
  const volumeStore = new StateStore<VolumeRecord>(home, 'volumes', unreadable);
  // The volume manager asks the app manager, created after it, who mounts a volume.
  const appsRef: { current?: AppManager } = {};
  const volumes = new VolumeManager(home, volumeStore, (ns, name) => appsRef.current?.attachedTo(ns, name), log);
  const images = new ImageStore(
    process.env.LTTLE_IMAGE_STORE || path.join(home, 'images'),
    (process.env.LTTLE_IMAGE_PATH || path.join(root, 'build', 'images')).split(':'),
    log,
  );
  const volume = (ns: string, name: string) => volumes.record(ns, name);
  const memoryBases = new ImageMemoryBases(path.join(home, 'memory-bases'));
  await memoryBases
    .copyOnWriteByBlock(path.join(home, 'machines'))
    .catch((err: Error) => log(`lttled: memory files copy on write by the filesystem's default: ${err.message}`));
  const apps = new AppManager({
    home,
    volume,
    store: new StateStore<AppRecord>(home, 'apps', unreadable),
    branchVolume: async (ns, name, target, owner, open) => {
      const source = volumes.record(ns, name);
      if (source?.state !== 'ready') throw new ConflictError(`volume ${ns}/${name} is ${source?.state ?? 'missing'}; a fork needs it ready`);
      await volumes.chains.branch(source, open, target, owner);
    },
    deleteOwnedVolumes: (app) => volumes.deleteOwnedBy(app),
    memoryBases,
    log,
    machines: qemuMachines({
      home,
      accel: accel.accel,
      kernel: process.env.LTTLE_KERNEL || path.join(root, 'build', 'guest', 'vmlinuz'),
      initrd: process.env.LTTLE_INITRD || path.join(root, 'build', 'guest', 'initramfs.cpio.gz'),
      images,
      volume,
    }),
  });
  appsRef.current = apps;
  const appManager = apps;
  const moves = new AppMoves({ home, apps, volumes, rootfs: async (image) => (await images.rootfs(image)).rootfs, log });
  volumes.onlineGrow = (ns, name, bytes, growFile) => apps.growVolume(ns, name, bytes, growFile);
  volumes.usage = (ns, name) => apps.volumeUsage(ns, name);
  volumes.guard = (ns, name, work) => apps.withVolumeDisk(ns, name, work);
  // A machine a dead daemon left behind may still have a volume open: kill it before
  // volume recovery touches the images (an offline resize2fs under a live guest corrupts it).
  apps.killLeftovers();
  await volumes.recover();
  await appManager.recover();
  // A fork cut short by a kill leaves branches for an app that was never recorded.
  await volumes
    .deleteOwnedBy((owner) => Boolean(apps.get(owner.split('/')[0], owner.split('/')[1])))
    .catch((err: Error) => log(`recover: branch volumes of a fork cut short were kept: ${err.message}`));

  let shuttingDown = false;
  const shutdown = (why: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`lttled: stopping (${why})`);
    server.close();
    void appManager.stopAll().finally(() => {
      fs.rmSync(socketPath, { force: true });
      release();
      process.exit(0);
    });
  };
  // One API, two kinds of listener: the unix socket is trusted (mode 0600), a TCP one needs the token.
  const api = (token?: string) =>
    createServer({
      version,
      home,
      root,
      accel: accel.accel,
      routes: [
        (router, locks) => addVolumeRoutes(router, locks, volumes, new VolumeSnapshots(volumes, log)),
        (router, locks) => addAppRoutes(router, locks, appManager),
        (router, locks) => addMoveRoutes(router, locks, moves),
      ],
      upgrade: (req, socket, head, ok) => void handleExecUpgrade(appManager, req, socket, head, ok),
      token,
      onShutdown: () => shutdown('shutdown request'),
      log,
    });
  const server = api();
  const oldMask = process.umask(0o177);
  server.listen(socketPath, () => {
    process.umask(oldMask);
    fs.chmodSync(socketPath, 0o600);
    log(`lttled: listening on ${socketPath}`);
  });
  const tcp = process.env.LTTLE_LISTEN;
  if (tcp) {
    const token = process.env.LTTLE_TOKEN;
    if (!token || token.length < MIN_TOKEN_LENGTH) {
      throw new Error(
        `LTTLE_LISTEN needs LTTLE_TOKEN of at least ${MIN_TOKEN_LENGTH} characters: a TCP listener is never unauthenticated (try: openssl rand -hex 24)`,
      );
    }
    const [hostname, port] = tcp.split(':');
    api(token).listen(Number(port), hostname);
  }
  const agent = await startNodeAgent({ home, volumes, apps: appManager, moves, log });
  if (agent) server.on('close', () => agent.stop());
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

// One failed connection or machine must not take every other app down with the daemon:
// log the stack (for the post-mortem) and keep serving.
process.on('uncaughtException', (err) => log(`lttled: uncaught: ${err.stack ?? err.message}`));
process.on('unhandledRejection', (err) => log(`lttled: unhandled rejection: ${(err as Error)?.stack ?? String(err)}`));

main().catch((err: Error) => {
  // The message alone on the line the CLI quotes (client.ts), the stack after it for a post-mortem.
  log(`lttled: fatal: ${err.message}`);
  if (err.stack) log(err.stack);
  process.exit(1);
});
