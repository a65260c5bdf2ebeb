// The web app example (examples/webapp) beside the PostgreSQL seed, as a Pulumi
// program: `make image-webapp`, then `pulumi up`. The web app's database address
// is the PostgreSQL app's service output, so Pulumi creates the database first.
import * as pulumi from '@pulumi/pulumi';
// In a checkout the SDK is imported by path; a published package would be `import * as lttle from "lttle/pulumi"`.
import * as lttle from '../../provider/src/pulumi/sdk';

const config = new pulumi.Config();
// `pulumi config set --secret postgresPassword ...`; the seed's "password" otherwise, still as a secret.
const password = config.getSecret('postgresPassword') ?? pulumi.secret('password');

const pgdata = new lttle.Volume('pgdata', {
  namespace: 'samples',
  mode: 'writeable',
  size: '100Mi',
});

const postgresql = new lttle.App('postgresql', {
  namespace: 'samples',
  image: 'ghcr.io/lttle-cloud/postgres:17-flash',
  resources: { cpu: 1, memory: 256 },
  mode: { flash: { strategy: 'manual', timeout: 3 } },
  environment: {
    POSTGRES_PASSWORD: password,
    POSTGRES_USER: 'user',
    POSTGRES_DB: 'db',
  },
  volumes: [{ name: pgdata.name, namespace: pgdata.namespace, path: '/var/lib/postgresql/data' }],
  expose: {
    access: { port: 5432, internal: {} },
  },
});

/** tcp://postgresql-access.samples.svc.lttle.local:5432 */
const databaseAddress = postgresql.services.apply((services) => services.find((s) => s.name === 'access')?.address ?? '');

const webapp = new lttle.App('webapp', {
  namespace: 'samples',
  image: 'ghcr.io/lttle-cloud/webapp:1',
  resources: { cpu: 1, memory: 256 },
  mode: { flash: { strategy: { listenOnPort: 8080 }, timeout: 3 } },
  environment: {
    DATABASE_ADDRESS: databaseAddress,
    PGUSER: 'user',
    PGPASSWORD: password,
    PGDATABASE: 'db',
  },
  expose: {
    http: { port: 8080, external: {} },
  },
});

/** Where a browser on this host opens the web app, e.g. curl http://URL/ */
export const url = webapp.services.apply((services) => `http://${services.find((s) => s.name === 'http')?.hostAddress ?? ''}/`);
export const database = databaseAddress;
