// The runtime API's request and response shapes (runtime/src/api/API.md).
import type { Plan } from '../../../schema/src/diff';
import type { Issue } from '../../../schema/src/schema';
import type { AppSpec, AppStatus, VolumeSnapshot, VolumeSpec, VolumeStatus } from '../../../schema/src/types';

export interface ApiErrorBody {
  error: { code: string; message: string; issues?: Issue[] };
}

export interface ApplyResult<S> {
  status: S;
  plan: Plan;
}

export interface LogLine {
  time: string;
  /** "stdout" | "stderr" of the app, or "system" for the runtime's own lines. */
  stream: string;
  line: string;
}

export interface Health {
  version: string;
  pid: number;
  home: string;
  /** The checkout lttled runs from; a daemon of an older build does not say. */
  root?: string;
  accel: string;
}

/** A resource body as written by a user (validated and normalised by the runtime). */
export type RawResource = Record<string, unknown> & { name: string; namespace?: string };

/** How long and how to wait for a resource to settle after an apply. */
export interface WaitOptions<S> {
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (status: S) => void;
  intervalMs?: number;
  /** Appended to a timeout's message: how this front end raises the limit. */
  timeoutHint?: string;
}

/**
 * What both providers need of a runtime: apply and wait, read, delete, and volume snapshots. lttled
 * answers it (RuntimeClient), and so does a Kubernetes cluster through its
 * custom resources (kube/cluster-runtime.ts); connect.ts picks one.
 */
export interface RuntimeApi {
  /** Where this talks to, for messages: `unix:///…/lttled.sock`, or the kubeconfig and its server. */
  readonly target: string;
  applyVolumeAndWait(spec: VolumeSpec | RawResource, options: WaitOptions<VolumeStatus>): Promise<ApplyResult<VolumeStatus>>;
  applyAppAndWait(spec: AppSpec | RawResource, options: WaitOptions<AppStatus>): Promise<ApplyResult<AppStatus>>;
  getVolume(namespace: string, name: string): Promise<VolumeStatus | undefined>;
  getApp(namespace: string, name: string): Promise<AppStatus | undefined>;
  /** False when there was none. */
  deleteVolume(namespace: string, name: string): Promise<boolean>;
  deleteApp(namespace: string, name: string): Promise<boolean>;
  listVolumeSnapshots(namespace: string, volume: string): Promise<VolumeSnapshot[]>;
  createVolumeSnapshot(namespace: string, volume: string, name: string): Promise<VolumeSnapshot>;
  /** False when there was none. */
  deleteVolumeSnapshot(namespace: string, volume: string, name: string): Promise<boolean>;
}
