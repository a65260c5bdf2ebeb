// The lttle Pulumi SDK: `import * as lttle from "lttle/pulumi"` (or this path in a checkout).
export { Provider, type ProviderArgs } from './provider';
export { Volume, type VolumeArgs } from './volume';
export { App, type AppArgs } from './app';
export * from './types';
export { AppState, FlashStrategyName, VolumeState } from './enums';
