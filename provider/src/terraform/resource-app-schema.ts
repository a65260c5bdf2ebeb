// lttle_app's schema: an OCI image booted in a microVM, optionally in flash
// mode. Terraform shape of the model (snake_case, nested attributes):
//   mode = { flash = { strategy = "manual", timeout = 3, deep_suspend_after = 60 } }   (omitted: regular)
//   strategy "nth-listen:N" / "listen-on-port:P" for the parameterised ones
//   expose = { access = { port = 5432, internal = {},
//              connection_tracking = { traffic_aware = { inactivity_timeout = 30 } } } }
//   depends_on_apps: `depends_on` is a terraform meta-argument.
import { timeoutsAttribute, type Attribute, type BlockSchema } from './schema';

export const TYPE = 'lttle_app';

const servicesType = ['map', ['object', { name: 'string', address: 'string', host_address: 'string', target_port: 'number' }]] as const;

export const appAttributes: Attribute[] = [
  { name: 'id', type: 'string', computed: true, description: '`namespace/name`.' },
  { name: 'name', type: 'string', required: true, description: 'Unique name of the app in its namespace. Changing it replaces the app.' },
  { name: 'namespace', type: 'string', optional: true, computed: true, description: 'Namespace (default "default"). Changing it replaces the app.' },
  { name: 'image', type: 'string', required: true, description: 'OCI image reference, e.g. ghcr.io/lttle-cloud/postgres:17-flash.' },
  {
    name: 'command',
    type: ['list', 'string'],
    optional: true,
    description: "Replaces the image's ENTRYPOINT (Kubernetes' `command`); the image's CMD is then not used. Changing it redeploys.",
  },
  {
    name: 'args',
    type: ['list', 'string'],
    optional: true,
    description: "Replaces the image's CMD (Kubernetes' `args`): the entrypoint's arguments. Changing it redeploys.",
  },
  {
    name: 'environment',
    type: ['map', 'string'],
    optional: true,
    description: 'Environment variables that are not secret: plans show each key and value. Put secrets in `secret_environment_wo` (or `secret_environment`).',
  },
  {
    name: 'secret_environment',
    type: ['map', 'string'],
    optional: true,
    sensitive: true,
    description:
      'Secret environment variables, hidden in plans and output but stored in the state (marked sensitive). Prefer `secret_environment_wo`, which keeps them out of the state.',
  },
  {
    name: 'secret_environment_wo',
    type: ['map', 'string'],
    optional: true,
    sensitive: true,
    writeOnly: true,
    description:
      'Write-only secret environment variables (Terraform 1.11+): sent to the runtime on create and update, never stored in the plan or the state. Terraform cannot see a change in them: bump `secret_environment_wo_version` to apply new values.',
  },
  {
    name: 'secret_environment_wo_version',
    type: 'number',
    optional: true,
    description: 'Any number; changing it re-sends `secret_environment_wo` (an update in place that redeploys the machine when the values changed).',
  },
  {
    name: 'resources',
    optional: true,
    computed: true,
    description: 'vCPUs and memory; omitted values take their defaults (so an import matches a config that leaves them out).',
    nested: {
      nesting: 'single',
      attributes: [
        { name: 'cpu', type: 'number', optional: true, computed: true, description: 'Number of vCPUs (default 1).' },
        { name: 'memory', type: 'number', optional: true, computed: true, description: 'Memory in MiB (default 256).' },
      ],
    },
  },
  {
    name: 'mode',
    optional: true,
    description: 'Omitted or without flash: regular. With flash: snapshot when ready, suspend when idle, resume on connect.',
    nested: {
      nesting: 'single',
      attributes: [
        {
          name: 'flash',
          optional: true,
          description: 'Flash mode.',
          nested: {
            nesting: 'single',
            attributes: [
              {
                name: 'strategy',
                type: 'string',
                optional: true,
                computed: true,
                description: 'manual, first-listen (default), user-space-ready, nth-listen:N or listen-on-port:P.',
              },
              { name: 'timeout', type: 'number', optional: true, computed: true, description: 'Idle seconds before suspending (default 10).' },
              {
                name: 'deep_suspend_after',
                type: 'number',
                optional: true,
                computed: true,
                description:
                  'Seconds suspended with no client connection open before the snapshot is made durable and QEMU exits (deep suspend); 0 = never (default 60). An open idle connection keeps the ordinary suspend.',
              },
            ],
          },
        },
      ],
    },
  },
  {
    name: 'volumes',
    optional: true,
    description: 'Volumes mounted into the machine.',
    nested: {
      nesting: 'list',
      attributes: [
        { name: 'name', type: 'string', required: true, description: 'Volume name.' },
        { name: 'namespace', type: 'string', optional: true, description: "Volume namespace (default: the app's)." },
        { name: 'path', type: 'string', required: true, description: 'Absolute mount path.' },
      ],
    },
  },
  {
    name: 'expose',
    optional: true,
    description: 'Services by name.',
    nested: {
      nesting: 'map',
      attributes: [
        { name: 'port', type: 'number', required: true, description: 'Port the app listens on inside the machine.' },
        {
          name: 'internal',
          optional: true,
          description: 'Internal service address.',
          nested: {
            nesting: 'single',
            attributes: [
              { name: 'port', type: 'number', optional: true, description: "Service port (default: the app's port)." },
              { name: 'namespaces', type: ['list', 'string'], optional: true, description: 'Other namespaces that may reach the service ("*": all).' },
            ],
          },
        },
        {
          name: 'external',
          optional: true,
          description: 'Listener on the host.',
          nested: {
            nesting: 'single',
            attributes: [
              { name: 'host', type: 'string', optional: true, description: 'Loopback address (default 127.0.0.1).' },
              { name: 'port', type: 'number', optional: true, description: 'Host port (default: any free port).' },
            ],
          },
        },
        {
          name: 'connection_tracking',
          optional: true,
          description: 'Omitted: connection-aware. traffic_aware: idle connections stop counting after inactivity_timeout seconds.',
          nested: {
            nesting: 'single',
            attributes: [
              {
                name: 'traffic_aware',
                optional: true,
                description: 'Traffic-aware tracking.',
                nested: { nesting: 'single', attributes: [{ name: 'inactivity_timeout', type: 'number', required: true, description: 'Seconds.' }] },
              },
            ],
          },
        },
      ],
    },
  },
  { name: 'restart_policy', type: 'string', optional: true, description: 'always (default), on-failure, never or remove.' },
  { name: 'tags', type: ['list', 'string'], optional: true, description: 'Tags.' },
  { name: 'depends_on_apps', type: ['list', 'string'], optional: true, description: 'Apps (name or namespace/name) started before this one.' },
  timeoutsAttribute({ create: '15m', update: '15m', delete: '2m' }),
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
];

export const appSchema: BlockSchema = { version: 0, description: 'An app in a lttle microVM.', attributes: appAttributes };
