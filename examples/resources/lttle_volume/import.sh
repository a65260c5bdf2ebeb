# A volume is imported by its ID, "namespace/name".
terraform import lttle_volume.pgdata samples/pgdata
