// The closed sets of the package schema (schema/pulumi/schema.json `types`
// with `enum`) as values and types, in the shape Pulumi's Node.js codegen
// gives enums: `lttle.RestartPolicy.OnFailure` or the plain string
// "on-failure" both type-check. `pulumi import` writes the former.

export const RestartPolicy = { Always: 'always', OnFailure: 'on-failure', Never: 'never', Remove: 'remove' } as const;
export type RestartPolicy = (typeof RestartPolicy)[keyof typeof RestartPolicy];

/** writable and readonly are accepted spellings of writeable and read-only. */
export const VolumeMode = { Writeable: 'writeable', Writable: 'writable', ReadOnly: 'read-only', Readonly: 'readonly' } as const;
export type VolumeMode = (typeof VolumeMode)[keyof typeof VolumeMode];

/** The flash strategies that take no parameter. */
export const FlashStrategyName = { Manual: 'manual', FirstListen: 'first-listen', UserSpaceReady: 'user-space-ready' } as const;
export type FlashStrategyName = (typeof FlashStrategyName)[keyof typeof FlashStrategyName];

export const VolumeState = { Creating: 'creating', Ready: 'ready', Resizing: 'resizing', Deleting: 'deleting', Error: 'error' } as const;
export type VolumeState = (typeof VolumeState)[keyof typeof VolumeState];

export const AppState = {
  Idle: 'idle',
  PullingImage: 'pulling-image',
  Waiting: 'waiting',
  Creating: 'creating',
  Booting: 'booting',
  Ready: 'ready',
  Suspending: 'suspending',
  Suspended: 'suspended',
  Stopping: 'stopping',
  Stopped: 'stopped',
  Restarting: 'restarting',
  Error: 'error',
} as const;
export type AppState = (typeof AppState)[keyof typeof AppState];
