// What an app's machine is made of, derived from its spec: the volumes as
// disks and the guest agent's configuration (command, environment, readiness).
import type { AppSpec } from '../../../schema/src/types';
import type { ResolvedImage } from '../image/image-store';
import { READINESS_LABEL, type ImageRuntimeConfig } from '../image/oci';
import type { AgentConfig } from '../vm/machine';
import type { DiskSpec } from '../vm/qemu-command';
import type { VolumeRecord } from '../volume/volume-record';
import { flashSettings } from '../../../schema/src/normalize';

export interface VolumeLookup {
  volume: (namespace: string, name: string) => VolumeRecord | undefined;
  /** `namespace/name` of another running app that has this volume attached writeable. */
  volumeUser: (volume: string, except: string) => string | undefined;
}

/**
 * The app's volumes as disks (serials vol0, vol1, ... in the app's order), or what is
 * missing. With `exclusive`, a writeable volume another running app has is not free.
 */
export function volumeDisks(spec: AppSpec, lookup: VolumeLookup, exclusive: boolean): { disks: DiskSpec[] } | { waitingFor: string } {
  const disks: DiskSpec[] = [];
  const missing: string[] = [];
  const busy: string[] = [];
  for (const v of spec.volumes) {
    const id = `${v.namespace}/${v.name}`;
    const record = lookup.volume(v.namespace, v.name);
    if (!record || record.state !== 'ready') {
      missing.push(id);
      continue;
    }
    const user = exclusive && record.spec.mode === 'writeable' ? lookup.volumeUser(id, `${spec.namespace}/${spec.name}`) : undefined;
    if (user) busy.push(`${id} (in use by ${user})`);
    disks.push({ serial: `vol${disks.length}`, file: record.file, format: record.format ?? 'raw', readOnly: record.spec.mode === 'read-only' });
  }
  if (missing.length) return { waitingFor: `waiting for volume${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` };
  if (busy.length) return { waitingFor: `waiting for volume ${busy.join(', ')}` };
  return { disks };
}

/**
 * The process the machine runs, as Kubernetes combines them: `command` replaces the
 * image's ENTRYPOINT and drops its CMD (which were arguments for that entrypoint);
 * `args` replaces the CMD.
 */
export function processArgs(spec: Pick<AppSpec, 'image' | 'command' | 'args'>, config: ImageRuntimeConfig): string[] {
  const entrypoint = spec.command ?? config.Entrypoint ?? [];
  const args = spec.args ?? (spec.command ? [] : (config.Cmd ?? []));
  const argv = [...entrypoint, ...args];
  if (!argv.length) throw new Error(`image ${spec.image} has no entrypoint or cmd, and the app sets no command (or args)`);
  return argv;
}

/** The image's first exposed TCP port ("8080/tcp" or "8080"), if any. */
export function exposedPort(config: ImageRuntimeConfig): number | undefined {
  for (const key of Object.keys(config.ExposedPorts ?? {})) {
    const m = /^(\d+)(?:\/tcp)?$/.exec(key);
    if (m) return Number(m[1]);
  }
  return undefined;
}

export function agentConfig(spec: AppSpec, image: ResolvedImage | undefined, disks: DiskSpec[]): AgentConfig {
  const config = image?.config.config ?? {};
  const env = new Map<string, string>();
  for (const e of config.Env ?? []) {
    const eq = e.indexOf('=');
    if (eq > 0) env.set(e.slice(0, eq), e.slice(eq + 1));
  }
  for (const [k, v] of Object.entries(spec.environment)) env.set(k, v);
  // The readiness label and the exposed ports describe the image's own entrypoint,
  // not a command the app puts in its place (other args keep that entrypoint).
  const ownEntrypoint = !spec.command;
  const port = Object.values(spec.expose)[0]?.port ?? (ownEntrypoint ? exposedPort(config) : undefined);
  // A regular app is ready when its image says so (PostgreSQL's module: once it accepts
  // connections), else once it listens on its first exposed port (the app's, else the
  // image's EXPOSE), else once started.
  const imageReadiness = ownEntrypoint ? config.Labels?.[READINESS_LABEL] : undefined;
  const readiness = flashSettings(spec)?.strategy ?? imageReadiness ?? (port ? `listen-on-port:${port}` : 'user-space-ready');
  return {
    args: processArgs(spec, config),
    env: [...env].map(([k, v]) => `${k}=${v}`),
    workdir: config.WorkingDir || undefined,
    user: config.User || undefined,
    hostname: spec.name,
    volumes: spec.volumes.map((v, i) => ({ serial: disks[i].serial, path: v.path, readOnly: disks[i].readOnly })),
    flash: readiness,
  };
}
