# The password is an ephemeral variable passed to a write-only attribute
# (Terraform 1.11+): it reaches the runtime but never the plan or the state.
variable "postgres_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

# PostgreSQL 17 in flash mode: snapshotted once ready, suspended 3 s after the
# last connection, resumed by the next one.
resource "lttle_app" "postgresql" {
  name      = "postgresql"
  namespace = "samples"
  image     = "ghcr.io/lttle-cloud/postgres:17-flash"
  mode = {
    flash = {
      strategy = "manual"
      timeout  = 3
    }
  }
  # Not secret: plans show each key and value.
  environment = {
    POSTGRES_USER = "user"
    POSTGRES_DB   = "db"
  }
  # Write-only: bump the version to send a new password.
  secret_environment_wo = {
    POSTGRES_PASSWORD = var.postgres_password
  }
  secret_environment_wo_version = 1
  volumes = [{
    name = lttle_volume.pgdata.name
    path = "/var/lib/postgresql/data"
  }]
  expose = {
    access = {
      port     = 5432
      internal = {}
    }
  }
  timeouts = {
    create = "20m"
  }
}
