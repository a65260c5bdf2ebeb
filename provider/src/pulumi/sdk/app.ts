import * as pulumi from '@pulumi/pulumi';
import type {
  AppModeArgs,
  AppModeOutput,
  AppResourcesArgs,
  ExposeArgs,
  ExposeOutput,
  MachineState,
  RestartPolicy,
  Service,
  VolumeMountArgs,
  VolumeMountOutput,
} from './types';
import { withVersion } from './version';

export interface AppArgs {
  /**
   * Unique name in the namespace: starts with a letter; letters, digits, `-`, `_`
   * (no `--`). Without it: autonamed, the Pulumi name plus a random suffix. Changing it replaces the app
   * (deleting the old one first).
   */
  name?: pulumi.Input<string>;
  /** Namespace; defaults to "default". Changing it replaces the app. */
  namespace?: pulumi.Input<string>;
  /** OCI image reference, e.g. `ghcr.io/lttle-cloud/postgres:17-flash`. Changing it redeploys. */
  image: pulumi.Input<string>;
  /** Overrides the image's entrypoint and command. Changing it redeploys. */
  command?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Environment variables. Values are secret (stored encrypted in the state,
   * masked in output, never logged); pass `pulumi.secret(...)` for passwords
   * anyway. Changing them redeploys.
   */
  environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** vCPUs and memory (MiB). Changing them redeploys. */
  resources?: pulumi.Input<AppResourcesArgs>;
  /** "regular" (default) or `{ flash: { strategy: "manual", timeout: 3 } }`. */
  mode?: pulumi.Input<AppModeArgs>;
  /** Volumes to mount: `[{ name: pgdata.name, path: "/var/lib/postgresql/data" }]`. Changing them redeploys. */
  volumes?: pulumi.Input<pulumi.Input<VolumeMountArgs>[]>;
  /** Services by name: `{ access: { port: 5432, internal: {} } }`. */
  expose?: pulumi.Input<Record<string, pulumi.Input<ExposeArgs>>>;
  /** What happens when the app's process exits (default "always"). */
  restartPolicy?: pulumi.Input<RestartPolicy>;
  /** Free-form tags. */
  tags?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Other lttle apps (`name` or `namespace/name`) the runtime starts first.
   * (Pulumi's own ordering comes from passing outputs, or the `dependsOn` resource option.)
   */
  dependsOnApps?: pulumi.Input<pulumi.Input<string>[]>;
}

/** An app: an OCI image booted in a QEMU microVM, optionally in flash mode. */
export class App extends pulumi.CustomResource {
  static readonly __pulumiType = 'lttle:index:App';

  /** An existing app by id `namespace/name` (e.g. for `pulumi import`). */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): App {
    return new App(name, undefined, { ...opts, id });
  }

  static override isInstance(obj: unknown): obj is App {
    return obj instanceof pulumi.CustomResource && (obj as { __pulumiType?: string }).__pulumiType === App.__pulumiType;
  }

  declare readonly name: pulumi.Output<string>;
  declare readonly namespace: pulumi.Output<string>;
  declare readonly image: pulumi.Output<string>;
  declare readonly command: pulumi.Output<string[] | undefined>;
  /** Secret. */
  declare readonly environment: pulumi.Output<Record<string, string> | undefined>;
  declare readonly resources: pulumi.Output<{ cpu?: number; memory?: number } | undefined>;
  declare readonly mode: pulumi.Output<AppModeOutput | undefined>;
  declare readonly volumes: pulumi.Output<VolumeMountOutput[] | undefined>;
  declare readonly expose: pulumi.Output<Record<string, ExposeOutput> | undefined>;
  declare readonly restartPolicy: pulumi.Output<RestartPolicy | undefined>;
  declare readonly tags: pulumi.Output<string[] | undefined>;
  declare readonly dependsOnApps: pulumi.Output<string[] | undefined>;
  /** Machine state after the last apply or refresh: ready, or suspended for an idle flash app. */
  declare readonly state: pulumi.Output<MachineState>;
  /** The exposed services with their internal (`address`) and host (`hostAddress`) addresses. */
  declare readonly services: pulumi.Output<Service[]>;
  /** "kvm" or "tcg". */
  declare readonly accel: pulumi.Output<string | undefined>;
  /** Bumped by every change of the app's spec the runtime accepted. */
  declare readonly generation: pulumi.Output<number>;

  constructor(name: string, args: AppArgs, opts?: pulumi.CustomResourceOptions);
  constructor(name: string, args: AppArgs | undefined, opts?: pulumi.CustomResourceOptions);
  constructor(name: string, args?: AppArgs, opts: pulumi.CustomResourceOptions = {}) {
    const inputs: pulumi.Inputs = {};
    const keys = [
      'name',
      'namespace',
      'image',
      'command',
      'environment',
      'resources',
      'mode',
      'volumes',
      'expose',
      'restartPolicy',
      'tags',
      'dependsOnApps',
    ] as const;
    if (!opts.id) {
      if (args?.image === undefined) throw new Error(`lttle.App ${name}: missing required argument "image"`);
      for (const key of keys) inputs[key] = args[key];
      // Values such as POSTGRES_PASSWORD: secret even when the program forgot pulumi.secret.
      if (args.environment !== undefined) inputs.environment = pulumi.secret(args.environment);
    } else {
      for (const key of keys) inputs[key] = undefined;
    }
    for (const key of ['state', 'services', 'accel', 'generation']) inputs[key] = undefined;
    const merged = withVersion(opts);
    merged.additionalSecretOutputs = [...new Set([...(opts.additionalSecretOutputs ?? []), 'environment'])];
    super(App.__pulumiType, name, inputs, merged);
  }
}
