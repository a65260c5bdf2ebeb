// Generated from schema/*.schema.json by `make docs` (provider/src/terraform/cdktf/props-gen.ts); do not edit.
import type { TerraformMetaArguments } from 'cdktf';

export interface VolumeTimeouts {
  /** How long a create may take, as a duration such as `"30s"`, `"10m"` or `"1h"` (default `"2m"`). */
  readonly create?: string;
  /** How long an update may take, as a duration such as `"30s"`, `"10m"` or `"1h"` (default `"2m"`). */
  readonly update?: string;
  /** How long a delete may take, as a duration such as `"30s"`, `"10m"` or `"1h"` (default `"2m"`). */
  readonly delete?: string;
}

export interface VolumeConfig extends TerraformMetaArguments {
  /** Unique name of the volume in its namespace. Changing it replaces the volume. */
  readonly name: string;
  /** Namespace (default "default"). Changing it replaces the volume. */
  readonly namespace?: string;
  /** "writeable" (default) or "read-only". */
  readonly mode?: 'writeable' | 'writable' | 'read-only' | 'readonly';
  /** Size such as 100Mi, 50M, 1.5GB or 1Gi. Grows in place; shrinking is refused. */
  readonly size: string;
  /** Creates the volume from this snapshot of a volume of the same namespace (`VOLUME/SNAPSHOT`, as `lttle volume snapshot list` names it): it starts with the snapshot's bytes, as a copy-on-write branch of them (nothing is copied), and writes only its own. `size` must be at least the snapshot's; a larger one grows it. Read only when the volume is created; the snapshot may be deleted afterwards (its layers stay while this volume uses them). This is the declarative way back to a snapshot: a new volume from it, and the app pointed at that volume; `lttle volume snapshot restore` rolls the volume itself back. */
  readonly fromSnapshot?: string;
  /** Limits for waiting on the runtime. */
  readonly timeouts?: VolumeTimeouts;
}

export interface AppResources {
  /** Number of vCPUs (default 1). */
  readonly cpu?: number;
  /** Memory in MiB (default 256). */
  readonly memory?: number;
}

export interface AppModeFlash {
  /** manual, first-listen (default), user-space-ready, nth-listen:N or listen-on-port:P. */
  readonly strategy?: string;
  /** Idle seconds before suspending (default 10). */
  readonly timeout?: number;
  /** Seconds suspended with no client connection open before the snapshot is made durable and QEMU exits (deep suspend); 0 = never (default 60). An open idle connection keeps the ordinary suspend. */
  readonly deepSuspendAfter?: number;
}

export interface AppMode {
  /** Flash mode. */
  readonly flash?: AppModeFlash;
}

export interface AppVolumes {
  /** Volume name. */
  readonly name: string;
  /** Volume namespace (default: the app's). */
  readonly namespace?: string;
  /** Absolute mount path. */
  readonly path: string;
}

export interface AppExposeInternal {
  /** Service port (default: the app's port). */
  readonly port?: number;
  /** Other namespaces that may reach the service ("*": all). */
  readonly namespaces?: string[];
}

export interface AppExposeExternal {
  /** Loopback address (default 127.0.0.1). */
  readonly host?: '127.0.0.1' | 'localhost' | '::1';
  /** Host port (default: any free port). */
  readonly port?: number;
}

export interface AppExposeConnectionTrackingTrafficAware {
  /** Seconds. */
  readonly inactivityTimeout: number;
}

export interface AppExposeConnectionTracking {
  /** Traffic-aware tracking. */
  readonly trafficAware?: AppExposeConnectionTrackingTrafficAware;
}

export interface AppExpose {
  /** Port the app listens on inside the machine. */
  readonly port: number;
  /** Internal service address. */
  readonly internal?: AppExposeInternal;
  /** Listener on the host. */
  readonly external?: AppExposeExternal;
  /** Omitted: connection-aware. traffic_aware: idle connections stop counting after inactivity_timeout seconds. */
  readonly connectionTracking?: AppExposeConnectionTracking;
}

export interface AppTimeouts {
  /** How long a create may take, as a duration such as `"30s"`, `"10m"` or `"1h"` (default `"15m"`). */
  readonly create?: string;
  /** How long an update may take, as a duration such as `"30s"`, `"10m"` or `"1h"` (default `"15m"`). */
  readonly update?: string;
  /** How long a delete may take, as a duration such as `"30s"`, `"10m"` or `"1h"` (default `"2m"`). */
  readonly delete?: string;
}

export interface AppConfig extends TerraformMetaArguments {
  /** Unique name of the app in its namespace. Changing it replaces the app. */
  readonly name: string;
  /** Namespace (default "default"). Changing it replaces the app. */
  readonly namespace?: string;
  /** OCI image reference, e.g. ghcr.io/lttle-cloud/postgres:17-flash. */
  readonly image: string;
  /** Replaces the image's ENTRYPOINT (Kubernetes' `command`); the image's CMD is then not used. Changing it redeploys. */
  readonly command?: string[];
  /** Replaces the image's CMD (Kubernetes' `args`): the entrypoint's arguments. Changing it redeploys. */
  readonly args?: string[];
  /** Environment variables that are not secret: plans show each key and value. Put secrets in `secret_environment_wo` (or `secret_environment`). */
  readonly environment?: { [key: string]: string };
  /** Secret environment variables, hidden in plans and output but stored in the state (marked sensitive). Prefer `secret_environment_wo`, which keeps them out of the state. */
  readonly secretEnvironment?: { [key: string]: string };
  /** Write-only secret environment variables (Terraform 1.11+): sent to the runtime on create and update, never stored in the plan or the state. Terraform cannot see a change in them: bump `secret_environment_wo_version` to apply new values. */
  readonly secretEnvironmentWo?: { [key: string]: string };
  /** Any number; changing it re-sends `secret_environment_wo` (an update in place that redeploys the machine when the values changed). */
  readonly secretEnvironmentWoVersion?: number;
  /** vCPUs and memory; omitted values take their defaults (so an import matches a config that leaves them out). */
  readonly resources?: AppResources;
  /** Omitted or without flash: regular. With flash: snapshot when ready, suspend when idle, resume on connect. */
  readonly mode?: AppMode;
  /** Volumes mounted into the machine. */
  readonly volumes?: AppVolumes[];
  /** Services by name. */
  readonly expose?: { [key: string]: AppExpose };
  /** always (default), on-failure, never or remove. */
  readonly restartPolicy?: 'always' | 'on-failure' | 'never' | 'remove';
  /** Tags. */
  readonly tags?: string[];
  /** Apps (name or namespace/name) started before this one. */
  readonly dependsOnApps?: string[];
  /** Creates the app as a fork of this flash-mode app of the same namespace: each of its volumes starts as a copy-on-write branch of the source's volume at the same position (the volumes it names must not exist yet; they are deleted with the app), and its machine resumes from a copy of the source's suspended memory. Image, resources, mode and volume paths must be the source's. A different POSTGRES_PASSWORD is set in the forked database. Read only when the app is created. */
  readonly forkOf?: string;
  /** Limits for waiting on the runtime. */
  readonly timeouts?: AppTimeouts;
}

export interface VolumeSnapshotTimeouts {
  /** How long a create may take, as a duration such as `"30s"`, `"10m"` or `"1h"` (default `"2m"`). */
  readonly create?: string;
  /** How long an update may take, as a duration such as `"30s"`, `"10m"` or `"1h"` (default `"2m"`). */
  readonly update?: string;
  /** How long a delete may take, as a duration such as `"30s"`, `"10m"` or `"1h"` (default `"2m"`). */
  readonly delete?: string;
}

export interface VolumeSnapshotConfig extends TerraformMetaArguments {
  /** Name of the snapshot, unique among the volume's snapshots. Changing it replaces the volume-snapshot. */
  readonly name: string;
  /** Namespace of the volume (default "default"). Changing it replaces the volume-snapshot. */
  readonly namespace?: string;
  /** Name of the volume to snapshot, in the same namespace. The snapshot is taken when the resource is created, online if an app has the volume open (its vCPUs pause for the switch). Changing it replaces the volume-snapshot. */
  readonly volume: string;
  /** Limits for waiting on the runtime. */
  readonly timeouts?: VolumeSnapshotTimeouts;
}

/** Attributes whose object keys are user data (variable and service names): never renamed. */
export const DATA_MAPS: readonly string[] = ['environment', 'expose', 'secret_environment', 'secret_environment_wo'];
