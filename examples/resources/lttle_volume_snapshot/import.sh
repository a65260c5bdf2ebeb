# A volume snapshot is imported by its ID, "namespace/volume/snapshot".
terraform import lttle_volume_snapshot.before_migration samples/pgdata/before-migration
