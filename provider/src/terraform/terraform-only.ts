// What only Terraform has, beside the fields of schema/*.schema.json (which
// schema-gen.ts turns into attributes): the timeouts block, the status the
// runtime reports, and per field the Terraform wording and the few
// behaviours the schema cannot say. A new field needs no entry here.
import type { ResourceKind } from '../../../schema/src/fields';
import type { Attribute } from './schema';

interface Named {
  name: string;
  description: string;
}

export interface FieldRule {
  /** Terraform's wording, when it differs from the schema's; `{default}` stands for the schema's default. */
  description?: string;
  /** The default is left out of the state (null) rather than planned, so the attribute is not computed. */
  defaultAsNull?: true;
  /**
   * A value the model derives from another field, left out of the state
   * (null) so an import matches a config that omits it. `ancestors[0]` holds
   * the field, the last one is the spec.
   */
  nullIf?: (value: unknown, ancestors: readonly Record<string, unknown>[]) => boolean;
  /**
   * An `x-secret` map's attributes: the field itself holds the plain values;
   * `secret` (sensitive, in the state) and `writeOnly` (never stored, re-sent
   * when the number `version` changes) the secret ones. The model sees one map.
   */
  secretSplit?: { secret: Named; writeOnly: Named; version: Named };
}

export interface TerraformOnly {
  description: string;
  /** What the `id` attribute holds, when it is not `namespace/name`. */
  id?: string;
  dataSourceDescription: string;
  timeouts: { create: string; update: string; delete: string };
  /** Computed attributes the runtime reports, after the schema's fields. */
  status: Attribute[];
  /** By model path: keys joined with '.', `[]` and `{}` for list items and map values. */
  fields: Record<string, FieldRule>;
}

const servicesType = ['map', ['object', { name: 'string', address: 'string', host_address: 'string', target_port: 'number' }]] as const;

export const TERRAFORM_ONLY: Record<ResourceKind, TerraformOnly> = {
  volume: {
    description: 'A block volume for lttle apps.',
    dataSourceDescription: 'An existing lttle volume.',
    timeouts: { create: '2m', update: '2m', delete: '2m' },
    status: [
      { name: 'size_bytes', type: 'number', computed: true, description: 'Size of the filesystem in bytes as the runtime measured it.' },
      { name: 'state', type: 'string', computed: true, description: 'creating, ready, resizing, deleting or error.' },
      { name: 'attached_to', type: 'string', computed: true, description: '`namespace/name` of the app that has the volume attached, if any.' },
    ],
    fields: {
      namespace: { description: 'Namespace (default "{default}").' },
      mode: { description: '"{default}" (default) or "read-only".' },
      size: { description: 'Size such as 100Mi, 50M, 1.5GB or 1Gi. Grows in place; shrinking is refused.' },
    },
  },
  app: {
    description: 'An app in a lttle microVM.',
    dataSourceDescription: 'An existing lttle app.',
    timeouts: { create: '15m', update: '15m', delete: '2m' },
    status: [
      { name: 'state', type: 'string', computed: true, description: 'Machine state: ready, suspended, ...' },
      {
        name: 'generation',
        type: 'number',
        computed: true,
        description: 'Bumped by every change of the spec the runtime accepts (a redeploy, or any other update).',
      },
      {
        name: 'services',
        type: servicesType as unknown as Attribute['type'],
        computed: true,
        description: 'Services by expose key: name, address (internal), host_address (127.0.0.1:port), target_port.',
      },
    ],
    fields: {
      namespace: { description: 'Namespace (default "{default}").' },
      image: { description: 'OCI image reference, e.g. ghcr.io/lttle-cloud/postgres:17-flash.' },
      command: { description: "Replaces the image's ENTRYPOINT (Kubernetes' `command`); the image's CMD is then not used. Changing it redeploys." },
      args: { description: "Replaces the image's CMD (Kubernetes' `args`): the entrypoint's arguments. Changing it redeploys." },
      environment: {
        description:
          'Environment variables that are not secret: plans show each key and value. Put secrets in `secret_environment_wo` (or `secret_environment`).',
        secretSplit: {
          secret: {
            name: 'secret_environment',
            description:
              'Secret environment variables, hidden in plans and output but stored in the state (marked sensitive). Prefer `secret_environment_wo`, which keeps them out of the state.',
          },
          writeOnly: {
            name: 'secret_environment_wo',
            description:
              'Write-only secret environment variables (Terraform 1.11+): sent to the runtime on create and update, never stored in the plan or the state. Terraform cannot see a change in them: bump `secret_environment_wo_version` to apply new values.',
          },
          version: {
            name: 'secret_environment_wo_version',
            description: 'Any number; changing it re-sends `secret_environment_wo` (an update in place that redeploys the machine when the values changed).',
          },
        },
      },
      resources: { description: 'vCPUs and memory; omitted values take their defaults (so an import matches a config that leaves them out).' },
      mode: { description: 'Omitted or without flash: regular. With flash: snapshot when ready, suspend when idle, resume on connect.' },
      'mode.flash': { description: 'Flash mode.' },
      'mode.flash.strategy': { description: 'manual, {default} (default), user-space-ready, nth-listen:N or listen-on-port:P.' },
      'mode.flash.timeout': { description: 'Idle seconds before suspending (default {default}).' },
      'mode.flash.deep-suspend-after': {
        description:
          'Seconds suspended with no client connection open before the snapshot is made durable and QEMU exits (deep suspend); 0 = never (default {default}). An open idle connection keeps the ordinary suspend.',
      },
      volumes: { description: 'Volumes mounted into the machine.' },
      'volumes.[].name': { description: 'Volume name.' },
      'volumes.[].namespace': {
        description: "Volume namespace (default: the app's).",
        nullIf: (value, ancestors) => value === ancestors[ancestors.length - 1].namespace,
      },
      'volumes.[].path': { description: 'Absolute mount path.' },
      expose: { description: 'Services by name.' },
      'expose.{}.internal': { description: 'Internal service address.' },
      'expose.{}.internal.port': { description: "Service port (default: the app's port).", nullIf: (value, ancestors) => value === ancestors[1].port },
      'expose.{}.internal.namespaces': { description: 'Other namespaces that may reach the service ("*": all).' },
      'expose.{}.external': { description: 'Listener on the host.' },
      'expose.{}.external.host': { description: 'Loopback address (default {default}).', defaultAsNull: true },
      'expose.{}.external.port': { description: 'Host port (default: any free port).' },
      'expose.{}.connection-tracking': {
        description: 'Omitted: connection-aware. traffic_aware: idle connections stop counting after inactivity_timeout seconds.',
      },
      'expose.{}.connection-tracking.traffic-aware': { description: 'Traffic-aware tracking.' },
      'expose.{}.connection-tracking.traffic-aware.inactivity-timeout': { description: 'Seconds.' },
      'restart-policy': { description: '{default} (default), on-failure, never or remove.', defaultAsNull: true },
      tags: { description: 'Tags.' },
      'depends-on': { description: 'Apps (name or namespace/name) started before this one.' },
    },
  },
  'volume-snapshot': {
    description: 'A snapshot of a lttle volume (`lttle volume snapshot`): its bytes at the instant the resource was created.',
    dataSourceDescription: 'An existing snapshot of a lttle volume.',
    id: '`namespace/volume/name`.',
    // Taking one is a freeze of the volume's top file (a rename and a new overlay): seconds, even under an app.
    timeouts: { create: '2m', update: '2m', delete: '2m' },
    status: [
      {
        name: 'size',
        type: 'string',
        computed: true,
        description: "The volume's size when the snapshot was taken, such as 100Mi (a restore returns the volume to it).",
      },
      { name: 'size_bytes', type: 'number', computed: true, description: 'Size of the filesystem in bytes when the snapshot was taken.' },
      { name: 'created_at', type: 'string', computed: true, description: 'When the snapshot was taken (RFC 3339).' },
    ],
    fields: {
      namespace: { description: 'Namespace of the volume (default "{default}").' },
    },
  },
};
