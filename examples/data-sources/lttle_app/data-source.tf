# An existing app, looked up by name and namespace: its state and services.
data "lttle_app" "postgresql" {
  name      = "postgresql"
  namespace = "samples"
}

output "postgresql_host_address" {
  value = data.lttle_app.postgresql.services["access"].host_address
}
