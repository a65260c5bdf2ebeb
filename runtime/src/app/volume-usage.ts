// The guest's view of an app's volumes (VOLUME_USAGE): size, used and free as
// its df shows them, and a warning when one is nearly full.
import type { AppSpec, VolumeUsageStatus } from '../../../schema/src/types';
import type { VolumeUsage } from '../vm/channel';

/** Above this share of its size in use, a volume is reported as nearly full. */
export const FULL_WARNING_RATIO = 0.9;

/** Maps the agent's records (serial vol<i>) to the app's volumes, adding the warning. */
export function usageStatus(spec: AppSpec, usage: VolumeUsage[]): VolumeUsageStatus[] {
  const out: VolumeUsageStatus[] = [];
  for (const u of usage) {
    const index = Number(/^vol(\d+)$/.exec(u.volume)?.[1]);
    const volume = spec.volumes[index];
    if (!volume) continue;
    const status: VolumeUsageStatus = {
      volume: `${volume.namespace}/${volume.name}`,
      path: u.path || volume.path,
      totalBytes: u.totalBytes,
      usedBytes: u.usedBytes,
      availableBytes: u.availableBytes,
    };
    const used = u.totalBytes > 0 ? u.usedBytes / u.totalBytes : 0;
    if (used > FULL_WARNING_RATIO) {
      status.warning = `volume ${status.volume} is ${Math.floor(used * 100)}% full (${u.availableBytes} bytes free); grow it`;
    }
    out.push(status);
  }
  return out;
}
