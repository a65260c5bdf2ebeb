// The normalised resource model shared by the CLI, the runtime API and both
// providers. Normalised specs keep the YAML's (kebab-case) shape so that one
// JSON Schema (schema/) validates user documents, API bodies and stored state.

import { schemaDefault } from './fields';

export const DEFAULT_NAMESPACE = schemaDefault<string>('app', ['namespace']);

export type VolumeMode = 'writeable' | 'read-only';

export interface VolumeSpec {
  name: string;
  namespace: string;
  mode: VolumeMode;
  /** Bytes. */
  size: number;
  /** `VOLUME/SNAPSHOT` of the same namespace the volume was created from (read at creation only). */
  'from-snapshot'?: string;
}

export type FlashStrategy = 'manual' | 'first-listen' | 'user-space-ready' | { 'nth-listen': number } | { 'listen-on-port': number };

export interface FlashMode {
  strategy: FlashStrategy;
  /** Idle seconds after the last connection before the machine is suspended. */
  timeout: number;
  /** Seconds suspended with no connection open before the QEMU process exits (deep suspend); 0 = never. */
  'deep-suspend-after'?: number;
}

export type AppMode = 'regular' | { flash: FlashMode };

export type ConnectionTracking = 'connection-aware' | { 'traffic-aware': { 'inactivity-timeout': number } };

export interface ExposeSpec {
  /** Port the app listens on inside the machine. */
  port: number;
  /** `namespaces`: other namespaces that may reach the service, `["*"]` for all (absent: only its own). */
  internal?: { port: number; namespaces?: string[] };
  external?: { host: string; port?: number };
  'connection-tracking': ConnectionTracking;
}

export interface VolumeMount {
  name: string;
  namespace: string;
  path: string;
}

export type RestartPolicy = 'always' | 'on-failure' | 'never' | 'remove';

export interface AppSpec {
  name: string;
  namespace: string;
  image: string;
  /** Replaces the image's ENTRYPOINT (and drops its CMD). */
  command?: string[];
  /** Replaces the image's CMD. */
  args?: string[];
  environment: Record<string, string>;
  resources: { cpu: number; memory: number };
  mode: AppMode;
  volumes: VolumeMount[];
  expose: Record<string, ExposeSpec>;
  'restart-policy': RestartPolicy;
  tags: string[];
  'depends-on': string[];
  /** Created as a fork of this flash-mode app of the same namespace (read at creation only). */
  'fork-of'?: string;
}

export type ResourceKind = 'volume' | 'app';

export type VolumeState = 'creating' | 'ready' | 'resizing' | 'deleting' | 'error';

/** lttle's machine states. */
export type MachineState =
  'idle' | 'pulling-image' | 'waiting' | 'creating' | 'booting' | 'ready' | 'suspending' | 'suspended' | 'stopping' | 'stopped' | 'restarting' | 'error';

/** A mounted volume's filesystem as the guest sees it (its `df`), measured by the guest agent. */
export interface VolumeUsageStatus {
  /** `namespace/name` of the volume. */
  volume: string;
  /** Mount path in the guest. */
  path: string;
  totalBytes: number;
  usedBytes: number;
  /** Free for the app (df's "Avail"). */
  availableBytes: number;
  /** Set when the filesystem is over 90% full. */
  warning?: string;
}

export interface VolumeStatus {
  spec: VolumeSpec;
  /** The size the guest sees, with used and free space, while an app mounts the volume. */
  usage?: VolumeUsageStatus;
  state: VolumeState;
  /** Size of the ext4 filesystem in bytes, as the runtime measured it. */
  sizeBytes: number;
  /** `namespace/name` of the app that has it attached, if any. */
  attachedTo?: string;
  message?: string;
  /** Bumped by each accepted change of the spec. */
  generation: number;
  /** The last generation the runtime has acted on; equal to `generation` once the change is applied. */
  observedGeneration: number;
  createdAt: string;
  updatedAt: string;
}

/** What the providers' VolumeSnapshot resource declares (schema/volume-snapshot.schema.json). */
export interface VolumeSnapshotSpec {
  name: string;
  namespace: string;
  /** The volume's name, in the same namespace. */
  volume: string;
}

/** A point a volume can be rolled back to (`lttle volume snapshot`): its frozen layers. */
export interface VolumeSnapshot {
  namespace: string;
  volume: string;
  name: string;
  /** The volume's layers at the snapshot, bottom first. */
  layers: string[];
  /** The volume's spec size and ext4 size when the snapshot was taken (a restore returns to them). */
  size: number;
  sizeBytes: number;
  createdAt: string;
}

export interface ServiceStatus {
  /** The expose key. */
  name: string;
  /** Internal service address, `tcp://<app>-<key>.<ns>.svc.lttle.local:<port>`. */
  address: string;
  /** Where a user on this host connects: `127.0.0.1:<port>`. */
  hostAddress: string;
  /** Port inside the machine. */
  targetPort: number;
}

export interface FlashStats {
  lastSuspendAt?: string;
  lastResumeAt?: string;
  resumeCount: number;
  /** Milliseconds from a connection arriving to the guest running again. */
  lastResumeLatencyMs?: number;
  locksHeld: number;
  connections: number;
  /** Since when the app is suspended (while it is). */
  suspendedSince?: string;
  /** True while deep-suspended: no QEMU process, the snapshot is durable on disk. */
  deep?: boolean;
  /** While deep-suspended: since when, and why then (`deep-suspend-after` reached, or the host's memory pressure). */
  deepSince?: string;
  deepReason?: string;
  /** While paged out (paused, its guest RAM written back to the memory file and dropped from host memory): since when. */
  pagedOutSince?: string;
  /** Guest RAM resident in host memory before and after the page-out. */
  pagedOut?: { residentBeforeBytes: number; residentAfterBytes: number };
  /** Bytes the snapshot takes on disk (memory file blocks + device state), while one exists. */
  snapshotBytes?: number;
  /** While deep-suspended: bytes of its memory file kept once on disk with its image's other apps (blocks shared with the image's base). */
  sharedMemoryBytes?: number;
  /** Resume count and last latency per kind: `memory` (paused QEMU), `deep` (new QEMU from the snapshot). */
  resumes?: Partial<Record<ResumeKind, { count: number; lastLatencyMs: number; lastAt: string }>>;
  /** The last suspend that failed (the app kept running; retried with backoff). Cleared by a successful suspend. */
  lastSuspendError?: { at: string; message: string; retryInSeconds: number };
  /** What keeps the app awake right now. */
  awake?: AwakeReasons;
}

export type ResumeKind = 'memory' | 'deep';

export interface AwakeReasons {
  /** Open client connections, with the seconds since their last byte. */
  /** `clientClosed`: the client has closed its side and the connection only waits for the machine to close it: it keeps the app out of no deep suspend. */
  connections: { client: string; service: string; idleSeconds: number; counted: boolean; clientClosed?: boolean }[];
  locksHeld: number;
  /** Runtime holds (exec sessions). */
  holds: number;
  /** The last byte of any client connection, if any. */
  lastTrafficAt?: string;
}

export interface AppStatus {
  spec: AppSpec;
  state: MachineState;
  /** Why the machine is in this state, for waiting/error/ready-without-flash. */
  message?: string;
  /** Accelerator of the running machine: "kvm" or "tcg". */
  accel?: string;
  services: ServiceStatus[];
  flash?: FlashStats;
  /** Each mounted volume as the guest sees it, while the machine runs. */
  volumes?: VolumeUsageStatus[];
  /** Bumped by each accepted change of the spec. */
  generation: number;
  /**
   * The last generation the controller has acted on. A state reported with
   * observedGeneration === generation describes the machine of the current spec.
   */
  observedGeneration: number;
  createdAt: string;
  updatedAt: string;
}

/** A value's place in a document, for error messages. */
export interface SourceLocation {
  file: string;
  /** 1-based index of the YAML document in the file; 0 for the file as a whole (it could not be read). */
  document: number;
  line: number;
  col: number;
}

export function resourceId(spec: { namespace: string; name: string }): string {
  return `${spec.namespace}/${spec.name}`;
}

/** A command to run inside an app's machine (`lttle machine exec`). */
export interface ExecRequest {
  command: string[];
  tty?: boolean;
  stdin?: boolean;
  /** Added to the app's environment. */
  env?: Record<string, string>;
  user?: string;
  workdir?: string;
  rows?: number;
  cols?: number;
}
