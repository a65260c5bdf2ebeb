# A volume and a named snapshot of it, in HCL (the twin of
# examples/pulumi-snapshots). The snapshot is taken once, when it is created;
# changing any of its attributes takes a new one. Rolling the volume back is
# an action, not a state: `lttle volume snapshot restore --ns samples pgdata
# before-migration`.
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

output "snapshot_created_at" {
  value = lttle_volume_snapshot.before_migration.created_at
}

output "snapshot_size" {
  value = lttle_volume_snapshot.before_migration.size
}
