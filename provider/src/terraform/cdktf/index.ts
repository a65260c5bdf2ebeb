// CDK for Terraform constructs for terraform-provider-lttle. Thin on purpose
// (cdktf + constructs only) so that it can target CDK Terrain as well.
export { LttleProvider, PROVIDER_SOURCE, PROVIDER_VERSION, type LttleProviderConfig } from './provider';
export { Volume } from './volume';
export { App } from './app';
export { VolumeSnapshot } from './volume-snapshot';
export type { AppConfig, AppExpose as Expose, AppModeFlash as FlashMode, VolumeConfig, VolumeSnapshotConfig } from './props';
