// Argument and output shapes of the lttle resources in a Pulumi program:
// the lttle document fields in camelCase (restart-policy -> restartPolicy).
import type * as pulumi from '@pulumi/pulumi';
import type { AppState, FlashStrategyName } from './enums';

/** When the flash snapshot is taken. */
export type FlashStrategy =
  | FlashStrategyName
  /** The app says so itself (the PostgreSQL module does once the server accepts connections). */
  | 'manual'
  /** When the app first listens on a TCP port. */
  | 'first-listen'
  /** When the guest's user space has started. */
  | 'user-space-ready'
  /** When the app has listened on N ports. */
  | { nthListen: number }
  /** When the app listens on this port. */
  | { listenOnPort: number };

export interface FlashModeArgs {
  /** When to snapshot; default "first-listen". */
  strategy?: pulumi.Input<FlashStrategy>;
  /** Idle seconds after the last connection before the machine is suspended (default 10). */
  timeout?: pulumi.Input<number>;
  /**
   * Seconds suspended with no client connection open before the snapshot is made durable and
   * QEMU exits (deep suspend: no host memory held); 0 = never (default 60). An open idle
   * connection (traffic-aware tracking) keeps the ordinary suspend.
   */
  deepSuspendAfter?: pulumi.Input<number>;
}

/**
 * "regular": the machine runs all the time. `{ flash: { strategy: "manual", timeout: 3 } }`:
 * snapshot when ready, suspend after `timeout` idle seconds, resume on the next connection.
 */
export type AppModeArgs = 'regular' | { flash: pulumi.Input<FlashModeArgs> };

export interface AppResourcesArgs {
  /** Number of vCPUs, 1 to 64 (default 1). */
  cpu?: pulumi.Input<number>;
  /** Memory in MiB, 64 to 65536 (default 256). */
  memory?: pulumi.Input<number>;
}

export interface VolumeMountArgs {
  /** Name of the volume; pass `volume.name` so the app waits for the volume. */
  name: pulumi.Input<string>;
  /** Namespace of the volume; defaults to the app's. */
  namespace?: pulumi.Input<string>;
  /** Absolute mount path inside the machine, e.g. /var/lib/postgresql/data. */
  path: pulumi.Input<string>;
}

/**
 * "connection-aware" (default): any open connection keeps the machine ready.
 * `{ trafficAware: { inactivityTimeout: 30 } }`: connections idle that long stop counting.
 */
export type ConnectionTracking = 'connection-aware' | { trafficAware: { inactivityTimeout: number } };

export interface ExposeArgs {
  /** Port the app listens on inside the machine. */
  port: pulumi.Input<number>;
  /** Internal service `<app>-<key>.<namespace>.svc.lttle.local:<port>`; `{}` uses the app's port. */
  internal?: pulumi.Input<{ port?: pulumi.Input<number> }>;
  /** A listener on the host's loopback (127.0.0.1, localhost or ::1), on `port` or any free port. */
  external?: pulumi.Input<{ host?: pulumi.Input<string>; port?: pulumi.Input<number> }>;
  /** What keeps a flash machine awake. */
  connectionTracking?: pulumi.Input<ConnectionTracking>;
}

export { RestartPolicy, VolumeMode } from './enums';

/** A service an app exposes, as the runtime reports it. */
export interface Service {
  /** The expose key, e.g. "access". */
  name: string;
  /** Internal service address, e.g. `tcp://postgresql-access.samples.svc.lttle.local:5432`. */
  address: string;
  /** Where a client on the host connects: `127.0.0.1:<port>`. */
  hostAddress: string;
  /** Port inside the machine. */
  targetPort: number;
}

/** lttle machine states (the schema's AppState). */
export type MachineState = AppState;

export interface VolumeMountOutput {
  name: string;
  namespace?: string;
  path: string;
}

export interface ExposeOutput {
  port: number;
  internal?: { port?: number };
  external?: { host?: string; port?: number };
  connectionTracking?: ConnectionTracking;
}

export type AppModeOutput = 'regular' | { flash: { strategy?: FlashStrategy; timeout?: number; deepSuspendAfter?: number } };
