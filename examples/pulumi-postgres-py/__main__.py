"""The PostgreSQL seed as a Pulumi Python program: a 100Mi volume and PostgreSQL 17 in manual flash mode."""
import pulumi
import pulumi_lttle as lttle

config = pulumi.Config()
# `pulumi config set --secret postgresPassword ...`; the seed's "password" otherwise, still as a secret.
password = config.get_secret("postgresPassword") or pulumi.Output.secret("password")

pgdata = lttle.Volume("pgdata", name="pgdata-py", namespace="samples", mode="writeable", size="100Mi")

postgresql = lttle.App(
    "postgresql",
    name="postgresql-py",
    namespace="samples",
    image="ghcr.io/lttle-cloud/postgres:17-flash",
    resources=lttle.AppResourcesArgs(cpu=1, memory=256),
    mode=lttle.AppModeArgs(flash=lttle.FlashModeArgs(strategy="manual", timeout=3)),
    environment={"POSTGRES_PASSWORD": password, "POSTGRES_USER": "user", "POSTGRES_DB": "db"},
    # Passing the volume's outputs makes Pulumi create the volume first (and delete it last).
    volumes=[lttle.VolumeMountArgs(name=pgdata.name, namespace=pgdata.namespace, path="/var/lib/postgresql/data")],
    expose={"access": lttle.ExposeArgs(port=5432, internal=lttle.ExposeInternalArgs())},
)

access = postgresql.services.apply(lambda services: next(s for s in services if s.name == "access"))
pulumi.export("address", access.address)
pulumi.export("hostAddress", access.host_address)
