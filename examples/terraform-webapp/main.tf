# The web app example (examples/webapp) beside the PostgreSQL seed, in HCL:
# `make image-webapp`, then `terraform init && terraform apply` (see the README
# for installing the provider). The web app's database address is the
# PostgreSQL app's service output, so Terraform creates the database first.
# The password comes from TF_VAR_postgres_password (or -var).
terraform {
  required_providers {
    lttle = { source = "lttle/lttle" }
  }
}

variable "postgres_password" {
  type      = string
  sensitive = true
}

resource "lttle_volume" "pgdata" {
  name      = "pgdata"
  namespace = "samples"
  mode      = "writeable"
  size      = "100Mi"
}

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
  environment = {
    POSTGRES_USER = "user"
    POSTGRES_DB   = "db"
  }
  secret_environment = {
    POSTGRES_PASSWORD = var.postgres_password
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

resource "lttle_app" "webapp" {
  name      = "webapp"
  namespace = "samples"
  image     = "ghcr.io/lttle-cloud/webapp:1"
  mode = {
    flash = {
      strategy = "listen-on-port:8080"
      timeout  = 3
    }
  }
  environment = {
    # tcp://postgresql-access.samples.svc.lttle.local:5432
    DATABASE_ADDRESS = lttle_app.postgresql.services["access"].address
    PGUSER           = "user"
    PGDATABASE       = "db"
  }
  secret_environment = {
    PGPASSWORD = var.postgres_password
  }
  expose = {
    http = {
      port     = 8080
      external = {}
    }
  }
}

output "url" {
  value = "http://${lttle_app.webapp.services["http"].host_address}/"
}

output "database" {
  value = lttle_app.postgresql.services["access"].address
}
