import * as pulumi from '@pulumi/pulumi';
import type { VolumeMode } from './types';
import { withVersion } from './version';

export interface VolumeArgs {
  /**
   * Unique name in the namespace: starts with a letter; letters, digits, `-`, `_`
   * (no `--`). Without it: autonamed, the Pulumi name plus a random suffix. Changing it replaces the
   * volume (deleting the old one first) and loses its data.
   */
  name?: pulumi.Input<string>;
  /** Namespace; defaults to "default". Changing it replaces the volume. */
  namespace?: pulumi.Input<string>;
  /** "writeable" (default) or "read-only" ("writable" and "readonly" are accepted too). */
  mode?: pulumi.Input<VolumeMode>;
  /**
   * Size: bytes or human readable (`100Mi`, `50M`, `42MB`, `1.5GB`, `1Gi`).
   * Growing updates the volume in place; shrinking is refused (data would be lost).
   */
  size: pulumi.Input<string | number>;
}

/** A block volume: a sparse ext4 file on the host, attached to apps as a virtio disk. */
export class Volume extends pulumi.CustomResource {
  static readonly __pulumiType = 'lttle:index:Volume';

  /** An existing volume by id `namespace/name` (e.g. for `pulumi import`). */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Volume {
    return new Volume(name, undefined, { ...opts, id });
  }

  static override isInstance(obj: unknown): obj is Volume {
    return obj instanceof pulumi.CustomResource && (obj as { __pulumiType?: string }).__pulumiType === Volume.__pulumiType;
  }

  declare readonly name: pulumi.Output<string>;
  declare readonly namespace: pulumi.Output<string>;
  declare readonly mode: pulumi.Output<string>;
  /** The size as given. */
  declare readonly size: pulumi.Output<string | number>;
  /** Size of the ext4 filesystem in bytes, as the runtime measured it. */
  declare readonly sizeBytes: pulumi.Output<number>;
  /** creating, ready, resizing, deleting or error. */
  declare readonly state: pulumi.Output<string>;
  /** `namespace/name` of the app that has the volume attached, if any. */
  declare readonly attachedTo: pulumi.Output<string | undefined>;

  constructor(name: string, args: VolumeArgs, opts?: pulumi.CustomResourceOptions);
  constructor(name: string, args: VolumeArgs | undefined, opts?: pulumi.CustomResourceOptions);
  constructor(name: string, args?: VolumeArgs, opts: pulumi.CustomResourceOptions = {}) {
    const inputs: pulumi.Inputs = {};
    if (!opts.id) {
      if (args?.size === undefined) throw new Error(`lttle.Volume ${name}: missing required argument "size"`);
      inputs.name = args.name;
      inputs.namespace = args.namespace;
      inputs.mode = args.mode;
      inputs.size = args.size;
    } else {
      for (const key of ['name', 'namespace', 'mode', 'size']) inputs[key] = undefined;
    }
    // Computed outputs: declared so that the SDK fills them in.
    for (const key of ['sizeBytes', 'state', 'attachedTo']) inputs[key] = undefined;
    super(Volume.__pulumiType, name, inputs, withVersion(opts));
  }
}
