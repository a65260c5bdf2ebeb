// The two ends of moving an app between hosts (app-move.ts has the package):
// the sending host hands the app over and keeps nothing of it; the receiving
// host keeps what arrived until its node agent is given the app, then installs
// it as it was: deep-suspended, with every volume and its memory snapshot.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { ConflictError, NotFoundError } from '../../../schema/src/errors';
import type { VolumeRecord } from '../volume/volume-record';
import type { AppManager } from './app-manager';
import { adaptArrivedMachine, arrivalDir, checkMovable, packStream, stageMove, unpackMove, type MovePackage } from './app-move';
import { machineDir } from './qemu-machine';

export interface MoveDeps {
  home: string;
  apps: AppManager;
  volumes: {
    record(namespace: string, name: string): VolumeRecord | undefined;
    adopt(record: VolumeRecord, from: string): void;
    delete(namespace: string, name: string): Promise<void>;
  };
  /** This host's root filesystem of an image (pulled if needed). */
  rootfs(image: string): Promise<string>;
  log: (line: string) => void;
}

export class AppMoves {
  constructor(private readonly deps: MoveDeps) {}

  /**
   * Sends app `namespace/name` with its volumes (`send` streams the package to the
   * other host), then `commit`s (the cluster records where it is now). Only then is
   * it deleted here, volumes included; any failure before leaves it here, deep-suspended.
   */
  async moveOut(namespace: string, name: string, send: (stream: Readable) => Promise<void>, commit: () => Promise<void>): Promise<void> {
    const { apps, volumes, log } = this.deps;
    const app = apps.get(namespace, name);
    if (!app) throw NotFoundError.of(`app ${namespace}/${name}`);
    const mounts = app.spec.volumes;
    checkMovable(
      app.spec,
      mounts.map((v) => volumes.record(v.namespace, v.name)),
    );
    const stage = path.join(this.deps.home, 'departures', namespace, name);
    await apps.handOver(namespace, name, async (dir, record) => {
      try {
        stageMove(stage, { record, dir, volumes: mounts.map((v) => volumes.record(v.namespace, v.name) as VolumeRecord) });
        const packed = packStream(stage);
        await Promise.all([send(packed.stream), packed.done]);
        await commit();
      } finally {
        fs.rmSync(stage, { recursive: true, force: true });
      }
    });
    for (const v of mounts) {
      await volumes
        .delete(v.namespace, v.name)
        .catch((err: Error) => log(`move of ${namespace}/${name}: volume ${v.namespace}/${v.name} was kept here: ${err.message}`));
    }
    log(`app ${namespace}/${name}: moved to another host; nothing of it is left here`);
  }

  /** Keeps a package sent from another host (the API's arrivals route) until the app is given to this host. */
  async receive(namespace: string, name: string, body: Readable): Promise<void> {
    if (this.deps.apps.get(namespace, name)) throw new ConflictError(`app ${namespace}/${name} already runs on this host`);
    const dir = arrivalDir(this.deps.home, namespace, name);
    const partial = `${dir}.partial`;
    await unpackMove(body, partial, namespace, name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(partial, dir);
    this.deps.log(`app ${namespace}/${name}: arrived from another host; installed when this host is given it`);
  }

  /** The apps that arrived and are not installed yet, as `namespace/name`. */
  arrivals(): string[] {
    const root = path.join(this.deps.home, 'arrivals');
    const entries = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((e) => !e.endsWith('.partial')) : []);
    return entries(root).flatMap((ns) => entries(path.join(root, ns)).map((name) => `${ns}/${name}`));
  }

  discardArrival(namespace: string, name: string): void {
    fs.rmSync(arrivalDir(this.deps.home, namespace, name), { recursive: true, force: true });
    this.deps.log(`app ${namespace}/${name}: the copy that arrived from another host was discarded (the app is not given to this host)`);
  }

  /**
   * Installs an app that arrived, once this host is given it: its volumes, its machine
   * and its record; false when none arrived. Each step is skipped when a cut-short
   * earlier run did it already.
   */
  async adoptArrival(namespace: string, name: string): Promise<boolean> {
    const dir = arrivalDir(this.deps.home, namespace, name);
    const manifest = path.join(dir, 'move.json');
    if (!fs.existsSync(manifest)) return false;
    const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8')) as MovePackage;
    for (const v of pkg.volumes) {
      const file = path.join(dir, 'volumes', v.file);
      if (fs.existsSync(file)) this.deps.volumes.adopt(v, file);
    }
    const target = machineDir(this.deps.home, namespace, name);
    if (fs.existsSync(path.join(dir, 'machine'))) {
      fs.rmSync(target, { recursive: true, force: true });
      fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
      fs.renameSync(path.join(dir, 'machine'), target);
    }
    const adapted = await adaptArrivedMachine(pkg.record, target, await this.deps.rootfs(pkg.record.spec.image));
    await this.deps.apps.adopt(adapted.record, `arrived from another host${adapted.note ? `; ${adapted.note}` : ''}`);
    fs.rmSync(dir, { recursive: true, force: true });
    return true;
  }
}
