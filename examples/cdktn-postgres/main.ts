// The seed (seed/postgresql.md) as a CDK Terrain program. The lttle classes
// come from `cdktn get`, which reads the provider's schema (cdktf.json's
// terraformProviders), so they follow the provider as it changes:
//   npm ci && npx cdktn get
//   npx cdktn deploy --auto-approve   /   npx cdktn destroy --auto-approve
import { App as CdkApp, Fn, LocalBackend, TerraformOutput, TerraformStack } from 'cdktn';
import type { Construct } from 'constructs';
import { App } from './.gen/providers/lttle/app';
import { LttleProvider } from './.gen/providers/lttle/provider';
import { Volume } from './.gen/providers/lttle/volume';

class PostgresStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Where terraform keeps the state; cdktn's default is terraform.postgres.tfstate here.
    if (process.env.LTTLE_CDKTN_STATE) new LocalBackend(this, { path: process.env.LTTLE_CDKTN_STATE });
    new LttleProvider(this, 'lttle');

    const pgdata = new Volume(this, 'pgdata', {
      name: 'pgdata',
      namespace: 'samples',
      mode: 'writeable',
      size: '100Mi',
    });

    const postgresql = new App(this, 'postgresql', {
      name: 'postgresql',
      namespace: 'samples',
      image: 'ghcr.io/lttle-cloud/postgres:17-flash',
      resources: { cpu: 1, memory: 256 },
      mode: { flash: { strategy: 'manual', timeout: 3 } },
      environment: { POSTGRES_USER: 'user', POSTGRES_DB: 'db' },
      // Sensitive: in state, never in plans or logs.
      secretEnvironment: { POSTGRES_PASSWORD: process.env.POSTGRES_PASSWORD ?? 'password' },
      // Referencing the volume's name orders the app after the volume (and
      // destroys it first), as the seed's "delete the app, then the volume".
      volumes: [{ name: pgdata.name, path: '/var/lib/postgresql/data' }],
      expose: { access: { port: 5432, internal: {} } },
    });

    // services is a map of objects; cdktn's generated `services.get('access')` leaves the
    // key unquoted in the expression (terraform reads it as a reference), lookupNested quotes it.
    new TerraformOutput(this, 'address', { value: Fn.lookupNested(postgresql.services, ['access', 'address']) });
    new TerraformOutput(this, 'host_address', { value: Fn.lookupNested(postgresql.services, ['access', 'host_address']) });
    new TerraformOutput(this, 'state', { value: postgresql.state });
  }
}

const app = new CdkApp();
new PostgresStack(app, 'postgres');
app.synth();
