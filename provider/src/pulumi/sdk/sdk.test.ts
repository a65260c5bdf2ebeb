import * as assert from 'node:assert/strict';
import * as pulumi from '@pulumi/pulumi';
import { App, Provider, Volume } from './index';
import { sdkVersion } from './version';

function value<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) =>
    output.apply((v) => {
      resolve(v);
      return v;
    }),
  );
}

describe('pulumi SDK classes (mocks)', () => {
  const seen: pulumi.runtime.MockResourceArgs[] = [];

  before(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          seen.push(args);
          const state = { ...(args.inputs as Record<string, unknown>), namespace: 'default', state: 'ready', sizeBytes: 1048576, services: [] };
          return { id: args.id ?? `default/${args.name}`, state };
        },
        call: (args) => args.inputs,
      },
      'sdk',
      'test',
      false,
    );
  });

  it('Volume registers lttle:index:Volume with camelCase inputs and typed outputs', async () => {
    const v = new Volume('data', { size: '1Mi', mode: 'read-only' });
    assert.equal(await value(v.sizeBytes), 1048576);
    assert.equal(await value(v.state), 'ready');
    const args = seen.find((s) => s.name === 'data');
    assert.equal(args?.type, 'lttle:index:Volume');
    assert.deepEqual({ ...args?.inputs }, { size: '1Mi', mode: 'read-only' });
    assert.equal(Volume.isInstance(v), true);
    assert.equal(App.isInstance(v), false);
  });

  it('requires size and image', () => {
    assert.throws(() => new Volume('x', {} as never), /missing required argument "size"/);
    assert.throws(() => new App('x', {} as never), /missing required argument "image"/);
  });

  it('App sends camelCase args and makes environment secret even when given plainly', async () => {
    const a = new App('web', {
      image: 'nginx',
      restartPolicy: 'on-failure',
      environment: { TOKEN: 'plain-value' },
      mode: { flash: { strategy: { nthListen: 2 }, timeout: 5 } },
      expose: { http: { port: 80, external: {}, connectionTracking: { trafficAware: { inactivityTimeout: 10 } } } },
    });
    assert.equal(await pulumi.isSecret(a.environment), true);
    await value(a.state);
    const args = seen.find((s) => s.name === 'web');
    assert.equal(args?.inputs.restartPolicy, 'on-failure');
    assert.deepEqual(args?.inputs.mode, { flash: { strategy: { nthListen: 2 }, timeout: 5 } });
  });

  it('Volume.get reads by namespace/name', async () => {
    const v = Volume.get('existing', 'samples/pgdata');
    assert.equal(await value(v.id), 'samples/pgdata');
  });

  it('Provider registers pulumi:providers:lttle with a secret token and the plugin version', async () => {
    const p = new Provider('remote', { host: 'http://127.0.0.1:7878', token: 't' });
    await value(p.urn);
    const args = seen.find((s) => s.name === 'remote');
    assert.equal(args?.type, 'pulumi:providers:lttle');
    assert.equal(args?.inputs.host, 'http://127.0.0.1:7878');
    assert.match(sdkVersion(), /^\d+\.\d+\.\d+/);
  });
});
