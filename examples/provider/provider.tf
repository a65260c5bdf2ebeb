terraform {
  required_providers {
    lttle = { source = "lttle/lttle" }
  }
}

# With no arguments the provider talks to the local lttled on
# $LTTLE_HOME/lttled.sock (default ~/.lttle) and starts it when needed.
# For a Kubernetes cluster instead (README.md, "Many hosts"):
#   provider "lttle" {
#     kubeconfig = pathexpand("~/.lttle/cluster/kubeconfig")
#   }
provider "lttle" {}
