# Preview databases in HCL (the twin of examples/pulumi-branches): the seed
# PostgreSQL and one branch of it per name in var.branches. A branch
# (fork_of) starts from the seed as it is when it is created: its volume is a
# copy-on-write branch of the seed's, created and deleted with it, and its
# machine resumes from a copy of the seed's suspended memory.
terraform {
  required_providers {
    lttle = { source = "lttle/lttle" }
  }
}

variable "branches" {
  type    = set(string)
  default = []
}

locals {
  namespace = "previews"
  image     = "ghcr.io/lttle-cloud/postgres:17-flash"
  data_path = "/var/lib/postgresql/data"
  mode = {
    flash = {
      strategy = "manual"
      timeout  = 3
    }
  }
  environment = {
    POSTGRES_PASSWORD = "password"
    POSTGRES_USER     = "user"
    POSTGRES_DB       = "db"
  }
}

resource "lttle_volume" "pgdata" {
  name      = "pgdata"
  namespace = local.namespace
  mode      = "writeable"
  size      = "100Mi"
}

resource "lttle_app" "seed" {
  name        = "seed"
  namespace   = local.namespace
  image       = local.image
  mode        = local.mode
  environment = local.environment
  volumes = [{
    name = lttle_volume.pgdata.name
    path = local.data_path
  }]
  expose = {
    access = { port = 5432 }
  }
}

# The machine of a fork is its source's (image, resources, mode, volume paths).
resource "lttle_app" "preview" {
  for_each    = var.branches
  name        = "preview-${each.key}"
  namespace   = local.namespace
  fork_of     = lttle_app.seed.name
  image       = local.image
  mode        = local.mode
  environment = local.environment
  volumes = [{
    name = "preview-${each.key}-pgdata"
    path = local.data_path
  }]
  expose = {
    access = { port = 5432 }
  }
}

output "seed_host_address" {
  value = lttle_app.seed.services["access"].host_address
}

output "branch_host_addresses" {
  value = { for name, app in lttle_app.preview : name => app.services["access"].host_address }
}
