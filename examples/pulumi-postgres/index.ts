// The PostgreSQL seed (seed/postgresql.md, examples/postgres/postgresql.lttle.yaml)
// as a Pulumi program: a 100Mi volume and PostgreSQL 17 in manual flash mode.
import * as pulumi from '@pulumi/pulumi';
// In a checkout the SDK is imported by path; a published package would be `import * as lttle from "lttle/pulumi"`.
import * as lttle from '../../provider/src/pulumi/sdk';

const config = new pulumi.Config();
// `pulumi config set --secret postgresPassword ...`; the seed's "password" otherwise, still as a secret.
const password = config.getSecret('postgresPassword') ?? pulumi.secret('password');

// Explicit names keep the seed's: without `name`, a resource is autonamed
// (its Pulumi name plus a random suffix, e.g. pgdata-k3x9q2mz), so two stacks
// can share a host and a replacement creates the new one before deleting the old.
const pgdata = new lttle.Volume('pgdata', {
  name: 'pgdata',
  namespace: 'samples',
  mode: 'writeable',
  size: '100Mi',
});

const postgresql = new lttle.App('postgresql', {
  name: 'postgresql',
  namespace: 'samples',
  image: 'ghcr.io/lttle-cloud/postgres:17-flash',
  resources: { cpu: 1, memory: 256 },
  mode: { flash: { strategy: 'manual', timeout: 3 } },
  environment: {
    POSTGRES_PASSWORD: password,
    POSTGRES_USER: 'user',
    POSTGRES_DB: 'db',
  },
  // Passing the volume's outputs makes Pulumi create the volume first (and delete it last).
  volumes: [{ name: pgdata.name, namespace: pgdata.namespace, path: '/var/lib/postgresql/data' }],
  expose: {
    access: { port: 5432, internal: {} },
  },
});

const access = postgresql.services.apply((services) => services.find((s) => s.name === 'access'));

/** Internal service address: tcp://postgresql-access.samples.svc.lttle.local:5432 */
export const address = access.apply((s) => s?.address);
/** Where a client on this host connects, e.g. psql -h 127.0.0.1 -p PORT -U user db */
export const hostAddress = access.apply((s) => s?.hostAddress);
export const state = postgresql.state;
export const volumeSizeBytes = pgdata.sizeBytes;
