# A snapshot of pgdata, taken when the resource is created; roll back with
# `lttle volume snapshot restore --ns samples pgdata before-migration`.
resource "lttle_volume_snapshot" "before_migration" {
  name      = "before-migration"
  namespace = "samples"
  volume    = "pgdata"
}
