# A 100Mi ext4 volume for PostgreSQL's data; grow it in place by raising size.
resource "lttle_volume" "pgdata" {
  name      = "pgdata"
  namespace = "samples"
  size      = "100Mi"
}
