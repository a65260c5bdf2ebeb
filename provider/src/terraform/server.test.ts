// The plugin as terraform sees it: a process printing one handshake line,
// serving tfplugin6 over mutual TLS, exiting on GRPCController.Shutdown.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { decode } from '@msgpack/msgpack';
import { packageRoot } from '../../../schema/src/paths';
import { serviceDefinition } from './protocol';
import { MAGIC_COOKIE_VALUE } from './server';
import { generateServerCert } from './tls';

type Unary = (req: object, cb: (err: grpc.ServiceError | null, res: Record<string, unknown>) => void) => void;

function call(client: grpc.Client, method: string, req: object = {}): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) =>
    (client as unknown as Record<string, Unary>)[method].bind(client)(req, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

describe('terraform plugin server', function () {
  this.timeout(30_000);

  it('handshakes, serves the schema over mTLS and exits on Shutdown', async () => {
    const clientCert = generateServerCert();
    const child = spawn(path.join(packageRoot(), 'bin', 'terraform-provider-lttle'), [], {
      env: {
        ...process.env,
        TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE,
        PLUGIN_PROTOCOL_VERSIONS: '5,6',
        PLUGIN_MIN_PORT: '10000',
        PLUGIN_MAX_PORT: '25000',
        PLUGIN_CLIENT_CERT: clientCert.certPem,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('\n')) resolve(stdout.split('\n')[0]);
      });
      child.on('exit', (code) => reject(new Error(`plugin exited ${code}`)));
    });
    const [core, proto, network, address, kind, cert] = line.split('|');
    assert.deepEqual([core, proto, network, kind], ['1', '6', 'tcp', 'grpc']);
    assert.match(address, /^127\.0\.0\.1:\d+$/);
    assert.doesNotMatch(cert, /=/);
    const serverPem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(cert, 'base64')
      .toString('base64')
      .match(/.{1,64}/g)
      ?.join('\n')}\n-----END CERTIFICATE-----\n`;
    const creds = grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(clientCert.keyPem), Buffer.from(clientCert.certPem), {
      checkServerIdentity: () => undefined,
    });
    const options = { 'grpc.ssl_target_name_override': 'localhost' };
    const Provider = grpc.makeGenericClientConstructor(serviceDefinition('tfplugin6.Provider'), 'Provider');
    const Health = grpc.makeGenericClientConstructor(serviceDefinition('grpc.health.v1.Health'), 'Health');
    const Controller = grpc.makeGenericClientConstructor(serviceDefinition('plugin.GRPCController'), 'GRPCController');
    const provider = new Provider(address, creds, options);
    const health = await call(new Health(address, creds, options), 'Check', { service: 'plugin' });
    assert.equal(health.status, 1);
    const schema = await call(provider, 'GetProviderSchema');
    const resources = schema.resource_schemas as Record<
      string,
      { block: { attributes: { name: string; sensitive: boolean; type: Buffer; nested_type: unknown }[] } }
    >;
    assert.deepEqual(Object.keys(resources).sort(), ['lttle_app', 'lttle_volume', 'lttle_volume_snapshot']);
    const attribute = (name: string) => resources.lttle_app.block.attributes.find((a) => a.name === name);
    const env = attribute('environment');
    assert.equal(env?.sensitive, false, 'plain variables are shown by key');
    assert.deepEqual(JSON.parse(env.type.toString()), ['map', 'string']);
    assert.equal(attribute('secret_environment')?.sensitive, true);
    assert.equal((attribute('secret_environment_wo') as { write_only?: boolean } | undefined)?.write_only, true);
    assert.ok(resources.lttle_app.block.attributes.find((a) => a.name === 'mode')?.nested_type);
    assert.deepEqual(Object.keys(schema.data_source_schemas as object).sort(), ['lttle_app', 'lttle_volume']);
    // A bad size comes back as a diagnostic on the attribute, not an RPC error.
    const { encode } = await import('@msgpack/msgpack');
    const validate = await call(provider, 'ValidateResourceConfig', {
      type_name: 'lttle_volume',
      config: {
        msgpack: Buffer.from(
          encode({ name: 'v', size: 'lots', namespace: null, mode: null, id: null, size_bytes: null, state: null, attached_to: null, timeouts: null }),
        ),
      },
    });
    const diags = validate.diagnostics as { severity: number; attribute: { steps: { attribute_name: string }[] } }[];
    assert.equal(diags[0].severity, 1);
    assert.equal(diags[0].attribute.steps[0].attribute_name, 'size');
    const plan = await call(provider, 'PlanResourceChange', {
      type_name: 'lttle_volume',
      prior_state: { msgpack: Buffer.from(encode(null)) },
      proposed_new_state: { msgpack: Buffer.from(encode({ name: 'v', size: '1Gi' })) },
      config: { msgpack: Buffer.from(encode({ name: 'v', size: '1Gi' })) },
    });
    const planned = decode((plan.planned_state as { msgpack: Buffer }).msgpack) as Record<string, unknown>;
    assert.equal(planned.id, 'default/v');
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await call(new Controller(address, creds, options), 'Shutdown');
    assert.equal(await exited, 0);
    assert.equal(stdout.trim().split('\n').length, 1, 'stdout holds only the handshake line');
  });

  it('refuses to run outside terraform', async () => {
    const child = spawn(path.join(packageRoot(), 'bin', 'terraform-provider-lttle'), [], {
      env: { ...process.env, TF_PLUGIN_MAGIC_COOKIE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /This binary is a plugin/);
  });
});
