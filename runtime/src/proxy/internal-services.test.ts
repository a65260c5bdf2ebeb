import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { normaliseApp } from '../../../schema/src/normalize';
import type { AppSpec } from '../../../schema/src/types';
import { ServiceProxy, type TrackedConnection } from './service-proxy';
import { InternalServices, servicesVisible, type ServiceApp } from './internal-services';

function app(namespace: string, name: string, expose: unknown): AppSpec {
  const n = normaliseApp({ name, namespace, image: 'postgres:17-flash', expose });
  if (!n.ok) throw new Error(JSON.stringify(n.issues));
  return n.spec;
}

const seed = app('samples', 'postgresql', { access: { port: 5432, internal: {} } });

describe('internal services: who may reach what', () => {
  it("gives the seed's service its name and port in its own namespace only", () => {
    assert.deepEqual(servicesVisible(seed, 'samples'), [
      { host: 'postgresql-access.samples.svc.lttle.local', port: 5432, app: 'samples/postgresql', key: 'access' },
    ]);
    assert.deepEqual(servicesVisible(seed, 'other'), []);
  });

  it('opens a service to the namespaces it lists, or to all with "*"; external-only services are never internal', () => {
    const listed = app('samples', 'db', { a: { port: 1, internal: { port: 2, namespaces: ['web', 'web', 'api'] } } });
    assert.deepEqual(listed.expose.a.internal, { port: 2, namespaces: ['api', 'web'] });
    assert.deepEqual(
      servicesVisible(listed, 'web').map((s) => `${s.host}:${s.port}`),
      ['db-a.samples.svc.lttle.local:2'],
    );
    assert.deepEqual(servicesVisible(listed, 'ops'), []);
    assert.equal(servicesVisible(app('samples', 'db', { a: { port: 1, internal: { namespaces: ['*', 'web'] } } }), 'ops').length, 1);
    assert.deepEqual(servicesVisible(app('samples', 'web', { http: { port: 80, external: {} } }), 'samples'), []);
  });

  it('refuses a namespace entry that is not a name', () => {
    const n = normaliseApp({ name: 'db', namespace: 'samples', image: 'x', expose: { a: { port: 1, internal: { namespaces: ['no space'] } } } });
    assert.equal(n.ok, false);
    assert.match(JSON.stringify(!n.ok && n.issues), /expose.*a.*internal.*namespaces/);
  });
});

describe('internal services: the gateway socket of a machine', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-svc-'));
  let echo: net.Server;
  let proxy: ServiceProxy;
  const seen: TrackedConnection[] = [];
  const logs: string[] = [];
  const target: ServiceApp = {
    id: 'samples/postgresql',
    spec: seed,
    serveInternal: (key, socket, client) => {
      if (key !== 'access') return false;
      proxy.handle(socket, client);
      return true;
    },
    pushServices: () => undefined,
  };
  const source = (namespace: string): ServiceApp => ({ ...target, id: `${namespace}/client`, spec: app(namespace, 'client', {}) });
  const services = new InternalServices(
    () => [target, source('samples'), source('other')],
    (l) => logs.push(l),
  );

  before(async () => {
    echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const port = (echo.address() as net.AddressInfo).port;
    proxy = new ServiceProxy(
      'access',
      '127.0.0.1',
      0,
      { open: async (c) => (seen.push(c), port), activity: () => undefined, close: () => undefined },
      () => undefined,
    );
    for (const ns of ['samples', 'other']) await services.listen(`${ns}/client`, path.join(dir, `${ns}.svc`));
  });

  after(() => {
    services.closeAll();
    echo.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Connects like QEMU's helper, sends header and bytes; resolves with everything answered until the close. */
  const exchange = (ns: string, text: string) =>
    new Promise<string>((resolve) => {
      const s = net.connect(path.join(dir, `${ns}.svc`));
      let got = '';
      s.on('data', (d: Buffer) => {
        got += d.toString();
        if (got === 'ping') s.end();
      });
      s.on('close', () => resolve(got));
      s.on('error', () => undefined);
      s.write(text);
    });

  it("hands a connection whose header names a visible service to that service's proxy, bytes after the header included", async () => {
    assert.equal(await exchange('samples', 'postgresql-access.samples.svc.lttle.local:5432\nping'), 'ping');
    assert.equal(seen.at(-1)?.client, 'samples/client (internal)');
  });

  it('closes a connection naming a service of a namespace it may not reach, a wrong port or nothing known', async () => {
    const before = seen.length;
    assert.equal(await exchange('other', 'postgresql-access.samples.svc.lttle.local:5432\nping'), '');
    assert.equal(await exchange('samples', 'postgresql-access.samples.svc.lttle.local:5433\nping'), '');
    assert.equal(await exchange('samples', 'garbage\nping'), '');
    assert.equal(seen.length, before, 'nothing reached the proxy');
    assert.match(logs.join('\n'), /from app other\/client refused: .* namespace other may reach/);
  });
});
