// A volume's persisted record: its spec and status, where its file is, and the
// intent of a step in progress (recovered after a kill). Its own module so the
// manager and the layer chains share it without importing each other.
import type { VolumeSpec, VolumeStatus } from '../../../schema/src/types';
import type { DiskFormat } from './layers';

/** A layer operation in progress, named in the volume's record before its first step. */
export type LayerIntent =
  | { op: 'freeze'; layer: string; overlay: string; snapshot?: string }
  | { op: 'restore'; overlay: string; snapshot: string; layers: string[]; sizeBytes: number; size: number }
  | { op: 'flatten'; target: string };

export interface VolumeRecord extends VolumeStatus {
  /** The ext4 image on the host. */
  file: string;
  /** While `resizing`: the spec to return to if the grow cannot be completed (intent record). */
  previousSpec?: VolumeSpec;
  /** Format of `file`: raw (absent) or a qcow2 overlay over `layers`. */
  format?: DiskFormat;
  /** Read-only layers under `file`, bottom first (file names in $LTTLE_HOME/layers). */
  layers?: string[];
  /** A layer step in progress (intent record), finished or rolled back by recovery. */
  pending?: LayerIntent;
  /** `namespace/app` of the fork this volume is a branch for: deleted with that app. */
  ownedBy?: string;
}
