// All apps of the runtime: their controllers, what they share (internal
// services, volume users), and recovery after a daemon restart.
import { diffApp } from '../../../schema/src/diff';
import type { AppSpec, AppStatus, VolumeUsageStatus } from '../../../schema/src/types';
import { AppController } from './app-controller';
import type { AppDeps } from './app-deps';
import { killLeftover, removeStrayMachineDirs } from './qemu-machine';
import type { MachineContext } from './machine-driver';
import { InternalServices, serviceHost, type ServiceApp } from '../proxy/internal-services';
import { migrateRecord, type AppRecord } from './app-record';
import { ConflictError, InvalidError, NotFoundError } from '../../../schema/src/errors';
import type { OpenDisk } from '../volume/volume-chain';
import { checkForkRequest, checkForkSpec, forkSpec, prepareFork, type ForkRequest } from './fork';
import { applyForkedPassword, changedPassword } from './fork-password';
import { MemoryPressure, tierSettings, type PressureCandidate } from '../flash/memory-pressure';

/** How often the guests' volume usage is looked at (a volume over 90% full is logged). */
const USAGE_POLL_MS = Number(process.env.LTTLE_USAGE_POLL_MS ?? 60_000);

export class AppManager {
  private readonly apps = new Map<string, AppController>();
  private readonly internal: InternalServices;
  /** Apps of other hosts whose internal services the apps here may reach (node mode). */
  private remote: ServiceApp[] = [];
  /** Deep-suspends paused apps early when the host runs short of memory. */
  private readonly pressure: MemoryPressure;
  private readonly pageOutAfterMs: number;

  constructor(private readonly deps: Omit<AppDeps, keyof MachineContext>) {
    this.internal = new InternalServices(() => [...this.apps.values(), ...this.remote], deps.log);
    const settings = tierSettings();
    this.pressure = new MemoryPressure(settings, () => this.pressureCandidates());
    this.pageOutAfterMs = settings.pageOutAfterS * 1000;
  }

  /** The apps of other hosts (node mode), replacing the previous list; the guests hear of a change. */
  setRemoteServices(apps: ServiceApp[]): void {
    const describe = (list: ServiceApp[]) => JSON.stringify(list.map((a) => [a.id, a.spec.expose]));
    if (describe(apps) === describe(this.remote)) return;
    this.remote = apps;
    this.internal.changed();
  }

  /** Suspended apps that keep their QEMU and may be deep-suspended early. */
  pressureCandidates(): PressureCandidate[] {
    return [...this.apps.values()].flatMap((a) => a.pressureCandidate() ?? []);
  }

  private controller(record: AppRecord): AppController {
    const app = new AppController(record, {
      ...this.deps,
      timing: { pageOutAfterMs: this.pageOutAfterMs, ...this.deps.timing },
      internal: this.internal,
      volumeUser: (volume, except) => this.volumeUser(volume, except),
    });
    app.removeRequested = () =>
      void this.delete(record.spec.namespace, record.spec.name).catch((err: Error) =>
        this.deps.log(`app ${app.id}: removal (restart policy) failed: ${err.message}`),
      );
    this.apps.set(app.id, app);
    return app;
  }

  /** Apps that mount a volume (any state): a volume in use cannot be deleted or grown. */
  attachedTo(namespace: string, name: string): string | undefined {
    for (const app of this.apps.values()) {
      if (app.spec.volumes.some((v) => v.namespace === namespace && v.name === name)) return app.id;
    }
    return undefined;
  }

  private volumeUser(volume: string, except: string): string | undefined {
    for (const app of this.apps.values()) {
      if (app.id !== except && app.active && app.spec.volumes.some((v) => `${v.namespace}/${v.name}` === volume)) return app.id;
    }
    return undefined;
  }

  get(namespace: string, name: string): AppController | undefined {
    return this.apps.get(`${namespace}/${name}`);
  }

  list(namespace?: string): AppStatus[] {
    return [...this.apps.values()]
      .filter((a) => !namespace || a.spec.namespace === namespace)
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((a) => a.status());
  }

  /** Kills machines a dead daemon left behind (before volume recovery touches their disks). */
  killLeftovers(): void {
    for (const record of this.deps.store.list()) {
      if (killLeftover(this.deps.home, record.spec.namespace, record.spec.name)) {
        this.deps.log(`recover: killed the leftover machine of app ${record.spec.namespace}/${record.spec.name}`);
      }
    }
  }

  /** Loads the stored apps and starts them again; one app that fails to load never stops the others. */
  async recover(): Promise<void> {
    this.killLeftovers();
    const records = this.deps.store.list();
    for (const dir of removeStrayMachineDirs(this.deps.home, (ns, name) => records.some((r) => r.spec?.namespace === ns && r.spec?.name === name)))
      this.deps.log(`recover: removed ${dir}, which no app owns (a fork or delete cut short)`);
    for (const record of records) {
      try {
        // The one place stored records come back: one an older lttled wrote is brought up to date.
        const app = this.controller(migrateRecord(record));
        await app.start().catch((err: Error) => this.deps.log(`recover: app ${app.id}: ${err.message}`));
      } catch (err) {
        this.deps.log(`recover: app ${record.spec?.namespace}/${record.spec?.name}: ${(err as Error).message}`);
      }
    }
    this.pruneMemoryBases();
    // The guest's df of every volume, so a filling volume is noticed (warning in the daemon log).
    setInterval(() => {
      // Best effort: a machine that stops between the check and the query fails it, and the next poll tries again.
      for (const app of this.apps.values()) void app.refreshVolumeUsage().catch(() => undefined);
    }, USAGE_POLL_MS).unref();
    this.pressure.start();
  }

  /** Grows a volume under the running (or suspended) machine that mounts it; undefined when none does. */
  async growVolume(namespace: string, name: string, bytes: number, growFile: () => void): Promise<number | undefined> {
    const id = this.attachedTo(namespace, name);
    const app = id ? this.apps.get(id) : undefined;
    return app ? app.growVolume(namespace, name, bytes, growFile) : undefined;
  }

  /** Runs a volume layer step in turn with the machine of the app that mounts the volume (if any). */
  async withVolumeDisk<T>(namespace: string, name: string, work: (open: OpenDisk | undefined) => Promise<T>): Promise<T> {
    const id = this.attachedTo(namespace, name);
    const app = id ? this.apps.get(id) : undefined;
    return app ? app.withVolumeDisk(namespace, name, work) : work(undefined);
  }

  /** The guest's view of a mounted volume, from the app that mounts it. */
  async volumeUsage(namespace: string, name: string): Promise<VolumeUsageStatus | undefined> {
    const id = this.attachedTo(namespace, name);
    const app = id ? this.apps.get(id) : undefined;
    const usage = app ? await app.refreshVolumeUsage() : [];
    return usage.find((u) => u.volume === `${namespace}/${name}`);
  }

  async apply(spec: AppSpec, dryRun: boolean): Promise<{ status: AppStatus | null; plan: ReturnType<typeof diffApp> }> {
    const existing = this.get(spec.namespace, spec.name);
    const plan = diffApp(existing?.spec, spec);
    this.refuseNameClash(spec);
    const forkOf = !existing && spec['fork-of'];
    const parent = forkOf ? this.get(spec.namespace, forkOf) : undefined;
    if (forkOf && !parent) throw new InvalidError(`fork-of: app ${spec.namespace}/${forkOf} does not exist`);
    if (parent) checkForkSpec(parent.spec, spec);
    if (dryRun) return { status: existing?.status() ?? null, plan };
    if (parent) return { status: await this.createFork(parent, spec), plan };
    if (existing) {
      await existing.apply(spec);
      this.internal.changed();
      return { status: existing.status(), plan };
    }
    const now = new Date().toISOString();
    const record: AppRecord = {
      spec,
      machineGeneration: 1,
      specGeneration: 1,
      observedGeneration: 0,
      state: 'idle',
      hostPorts: {},
      flash: { resumeCount: 0, locksHeld: 0, connections: 0 },
      createdAt: now,
      updatedAt: now,
    };
    this.deps.store.put(spec.namespace, spec.name, record);
    const app = this.controller(record);
    await app.start();
    this.internal.changed();
    return { status: app.status(), plan };
  }

  /** `a-b` + service `c` and `a` + service `b-c` would share one internal name: the later app is refused, in the dry run too. */
  private refuseNameClash(spec: AppSpec): void {
    const names = new Map(Object.keys(spec.expose).map((key) => [serviceHost(spec, key), key]));
    for (const other of this.apps.values()) {
      if (other.spec.namespace !== spec.namespace || other.spec.name === spec.name) continue;
      for (const key of Object.keys(other.spec.expose)) {
        const mine = names.get(serviceHost(other.spec, key));
        if (mine !== undefined)
          throw new ConflictError(
            `expose.${mine}: service name ${serviceHost(spec, mine)} is already app ${other.id}'s service ${key}; rename the service or the app`,
          );
      }
    }
  }

  /** Creates `request.to` as a fork of the suspended `namespace/source` (`lttle app fork`). */
  async fork(namespace: string, source: string, request: ForkRequest): Promise<AppStatus> {
    const parent = this.get(namespace, source);
    if (!parent) throw NotFoundError.of(`app ${namespace}/${source}`);
    checkForkRequest(parent.spec, request);
    if (this.get(namespace, request.to)) throw new ConflictError(`to: app ${namespace}/${request.to} already exists`);
    return this.createFork(parent, forkSpec(parent.spec, request));
  }

  /** A new app as a fork of its source (fork.ts): branched volumes, copied memory, its own password. */
  private async createFork(parent: AppController, spec: AppSpec): Promise<AppStatus> {
    const branch = this.deps.branchVolume;
    if (!branch) throw new ConflictError('this runtime cannot branch volumes');
    this.refuseNameClash(spec);
    const record = await parent.whileSuspended((s) => prepareFork(this.deps.home, s, spec, branch));
    const app = this.controller(record);
    try {
      // The snapshot header first, the record last: a daemon killed before the record leaves a machine
      // directory and branches no app owns (both removed at recovery), never a fork without its snapshot.
      app.adoptForkedSnapshot();
      this.deps.store.put(spec.namespace, spec.name, record);
    } catch (err) {
      this.apps.delete(app.id);
      throw err;
    }
    app.logs.line('system', `lttle: forked from app ${parent.id}`);
    await app.start();
    this.internal.changed();
    const password = changedPassword(parent.spec, spec);
    if (password !== undefined) {
      // Woken at once (a deep restore) so that the password holds before the first client comes.
      const release = await app.hold();
      try {
        const machine = app.runningMachine;
        if (!machine) throw new Error(`app ${app.id} has no running machine`);
        await applyForkedPassword(machine, parent.spec, password);
        app.logs.line('system', 'lttle: POSTGRES_PASSWORD of the fork set in its database');
      } finally {
        release();
      }
    }
    return app.status();
  }

  /** Hands the app to another host (app-moves.ts); once `work` succeeded it is gone from here (its volumes are the caller's). */
  async handOver(namespace: string, name: string, work: (dir: string, record: AppRecord) => Promise<void>): Promise<void> {
    const app = this.get(namespace, name);
    if (!app) throw NotFoundError.of(`app ${namespace}/${name}`);
    await app.handOver(work);
    this.apps.delete(app.id);
    await app.destroy();
    this.internal.changed();
  }

  /** An app moved here from another host, with its machine files in place: recorded and started (deep-suspended). */
  async adopt(record: AppRecord, how: string): Promise<void> {
    const { namespace, name } = record.spec;
    if (this.get(namespace, name)) throw new ConflictError(`app ${namespace}/${name} already runs on this host`);
    this.deps.store.put(namespace, name, record);
    const app = this.controller(record);
    app.logs.line('system', `lttle: ${how}`);
    await app.start();
    this.internal.changed();
  }

  async delete(namespace: string, name: string): Promise<void> {
    const app = this.get(namespace, name);
    if (!app) throw NotFoundError.of(`app ${namespace}/${name}`);
    this.apps.delete(app.id);
    await app.destroy();
    this.internal.changed();
    // A fork's branch volumes are its own.
    await this.deps.deleteOwnedVolumes?.(app.id).catch((err: Error) => this.deps.log(`app ${app.id}: its branch volumes were kept: ${err.message}`));
    this.deps.log(`app ${app.id}: deleted`);
    this.pruneMemoryBases();
  }

  /** An image no app uses any more keeps no memory base. */
  private pruneMemoryBases(): void {
    try {
      this.deps.memoryBases?.prune([...this.apps.values()].map((a) => a.spec.image));
    } catch (err) {
      this.deps.log(`memory bases not pruned: ${(err as Error).message}`);
    }
  }

  async stopAll(): Promise<void> {
    this.pressure.stop();
    this.internal.closeAll();
    await Promise.all(
      [...this.apps.values()].map((a) =>
        a.shutdownForDaemonStop().catch((err: Error) => this.deps.log(`app ${a.id}: stop with the daemon failed: ${err.message}`)),
      ),
    );
  }
}
