// The seed (seed/postgresql.md) as a CDK for Terraform program:
//   cdktf deploy --auto-approve --skip-provider-lock   /   cdktf destroy --auto-approve
// (see README: make install-terraform-provider and TF_CLI_CONFIG_FILE first).
import { App as CdkApp, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { App, LttleProvider, Volume } from '../../provider/src/terraform/cdktf';

class PostgresStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Where terraform keeps the state; cdktf's default is terraform.postgres.tfstate here.
    if (process.env.LTTLE_CDKTF_STATE) new LocalBackend(this, { path: process.env.LTTLE_CDKTF_STATE });
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
      // Sensitive; cdktf has no ephemeral variables, so the HCL example's write-only form fits it less well.
      secretEnvironment: { POSTGRES_PASSWORD: 'password' },
      // Referencing the volume's name orders the app after the volume (and
      // destroys it first), as the seed's "delete the app, then the volume".
      volumes: [{ name: pgdata.name, path: '/var/lib/postgresql/data' }],
      expose: { access: { port: 5432, internal: {} } },
    });

    new TerraformOutput(this, 'address', { value: postgresql.serviceAddress('access') });
    new TerraformOutput(this, 'host_address', { value: postgresql.serviceHostAddress('access') });
    new TerraformOutput(this, 'state', { value: postgresql.state });
  }
}

const app = new CdkApp();
new PostgresStack(app, 'postgres');
app.synth();
