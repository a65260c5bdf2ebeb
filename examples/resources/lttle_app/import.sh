# An app is imported by its ID, "namespace/name".
terraform import lttle_app.postgresql samples/postgresql
