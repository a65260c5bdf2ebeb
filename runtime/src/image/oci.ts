// The parts of the OCI image spec lttle reads: image layouts (index.json,
// manifests, configs) and layer tarballs.

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: number;
  manifests: Descriptor[];
}

export interface ImageManifest {
  schemaVersion: number;
  config: Descriptor;
  layers: Descriptor[];
}

/** The runtime part of an image config (what `docker inspect` shows under Config). */
export interface ImageRuntimeConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  StopSignal?: string;
  ExposedPorts?: Record<string, object>;
  Labels?: Record<string, string> | null;
}

/**
 * Label by which an image says how it signals readiness to the guest agent (a
 * flash strategy such as "manual"); used in regular mode, where the app sets none.
 */
export const READINESS_LABEL = 'cloud.lttle.readiness';

export interface ImageConfig {
  architecture?: string;
  os?: string;
  config?: ImageRuntimeConfig;
}

/** "sha256:abc..." -> ["sha256", "abc..."], rejecting anything that could escape a path. */
export function splitDigest(digest: string): [string, string] {
  const m = /^(sha256|sha512):([a-f0-9]{32,128})$/.exec(digest);
  if (!m) throw new Error(`invalid digest "${digest}"`);
  return [m[1], m[2]];
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGUSR1: 10, SIGUSR2: 12, SIGTERM: 15 };

/** The image's stop signal as a number (default SIGTERM). */
export function stopSignalNumber(config: ImageRuntimeConfig): number {
  const raw = config.StopSignal?.toUpperCase();
  if (!raw) return 15;
  if (/^\d+$/.test(raw)) return Number(raw);
  return SIGNALS[raw.startsWith('SIG') ? raw : `SIG${raw}`] ?? 15;
}
