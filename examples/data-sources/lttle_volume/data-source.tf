# An existing volume, looked up by name and namespace.
data "lttle_volume" "pgdata" {
  name      = "pgdata"
  namespace = "samples"
}

output "pgdata_size_bytes" {
  value = data.lttle_volume.pgdata.size_bytes
}
