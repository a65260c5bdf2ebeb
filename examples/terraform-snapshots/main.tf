# A volume and a named snapshot of it, in HCL (the twin of
# examples/pulumi-snapshots). The snapshot is taken once, when it is created;
# changing any of its attributes takes a new one. Going back to it
# declaratively is a new volume created from it (from_snapshot, read at
# creation, like a disk's snapshot_id) that the app then mounts; rolling pgdata
# itself back is an action, not a state: `lttle volume snapshot restore --ns
# samples pgdata before-migration`.
terraform {
  required_providers {
    lttle = { source = "lttle/lttle" }
  }
}

variable "snapshot" {
  type    = string
  default = "before-migration"
}

resource "lttle_volume" "pgdata" {
  name      = "pgdata"
  namespace = "samples"
  size      = "100Mi"
}

resource "lttle_volume_snapshot" "before_migration" {
  name      = var.snapshot
  namespace = lttle_volume.pgdata.namespace
  volume    = lttle_volume.pgdata.name
}

# The snapshot's bytes as a volume of their own: nothing is copied.
resource "lttle_volume" "restored" {
  name          = "pgdata-restored"
  namespace     = "samples"
  size          = "100Mi"
  from_snapshot = "${lttle_volume_snapshot.before_migration.volume}/${lttle_volume_snapshot.before_migration.name}"
}

output "snapshot_created_at" {
  value = lttle_volume_snapshot.before_migration.created_at
}

output "snapshot_size" {
  value = lttle_volume_snapshot.before_migration.size
}

output "restored_size_bytes" {
  value = lttle_volume.restored.size_bytes
}
