// CDK for Terraform constructs for terraform-provider-lttle. Thin on purpose
// (cdktf + constructs only) so that it can target CDK Terrain as well.
export { LttleProvider, PROVIDER_SOURCE, PROVIDER_VERSION, type LttleProviderConfig } from './provider';
export { Volume, type VolumeConfig } from './volume';
export { App, type AppConfig, type Expose, type FlashMode } from './app';
