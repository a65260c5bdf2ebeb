# An app is imported by its ID, "namespace/name". Write-only values are never
# read back: the import takes every environment variable as secret_environment
# (sensitive), so the first plan after it moves them to the attributes the
# configuration uses; applying that changes nothing in the runtime.
terraform import lttle_app.postgresql samples/postgresql
