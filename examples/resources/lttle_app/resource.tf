variable "postgres_password" {
  type      = string
  sensitive = true
}

# PostgreSQL 17 in flash mode: snapshotted once ready, suspended 3 s after the
# last connection, resumed by the next one.
resource "lttle_app" "postgresql" {
  name      = "postgresql"
  namespace = "samples"
  image     = "ghcr.io/lttle-cloud/postgres:17-flash"
  resources = {
    cpu    = 1
    memory = 256
  }
  mode = {
    flash = {
      strategy = "manual"
      timeout  = 3
    }
  }
  environment = {
    POSTGRES_PASSWORD = var.postgres_password
    POSTGRES_USER     = "user"
    POSTGRES_DB       = "db"
  }
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
}
