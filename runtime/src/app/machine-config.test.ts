// How an app's spec and its image's config become the process the guest runs
// and the readiness signal it waits for (Kubernetes' command/args rules).
import * as assert from 'node:assert/strict';
import { normaliseApp } from '../../../schema/src/normalize';
import type { AppSpec } from '../../../schema/src/types';
import type { ResolvedImage } from '../image/image-store';
import type { ImageRuntimeConfig } from '../image/oci';
import { agentConfig } from './machine-config';

function app(fields: Record<string, unknown>): AppSpec {
  const r = normaliseApp({ name: 'web', image: 'registry.test/web:1', ...fields });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.spec;
}

const image = (config: ImageRuntimeConfig): ResolvedImage => ({
  reference: 'registry.test/web:1',
  manifestDigest: 'sha256:00',
  config: { config },
  rootfs: '/x',
});
const web = image({
  Entrypoint: ['/bin/server'],
  Cmd: ['--port', '8080'],
  Env: ['PATH=/bin', 'MODE=image'],
  WorkingDir: '/srv',
  User: 'web:web',
  ExposedPorts: { '8080/tcp': {} },
});

describe('machine config: the image config and the app spec', () => {
  it('runs the image ENTRYPOINT with its CMD, in its working dir, as its user, with its env', () => {
    const c = agentConfig(app({}), web, []);
    assert.deepEqual(c.args, ['/bin/server', '--port', '8080']);
    assert.equal(c.workdir, '/srv');
    assert.equal(c.user, 'web:web');
    assert.deepEqual(c.env, ['PATH=/bin', 'MODE=image']);
  });

  it('args replace the CMD and keep the ENTRYPOINT', () => {
    assert.deepEqual(agentConfig(app({ args: ['--port', '9000'] }), web, []).args, ['/bin/server', '--port', '9000']);
    assert.deepEqual(agentConfig(app({ args: [] }), web, []).args, ['/bin/server']);
  });

  it('command replaces the ENTRYPOINT and drops the CMD; with args, both replace', () => {
    assert.deepEqual(agentConfig(app({ command: ['/bin/sh', '-c', 'env'] }), web, []).args, ['/bin/sh', '-c', 'env']);
    assert.deepEqual(agentConfig(app({ command: ['/bin/echo'], args: ['hi'] }), web, []).args, ['/bin/echo', 'hi']);
  });

  it('the app environment overrides the image Env by name', () => {
    assert.deepEqual(agentConfig(app({ environment: { MODE: 'app', EXTRA: 1 } }), web, []).env, ['PATH=/bin', 'MODE=app', 'EXTRA=1']);
  });

  it('refuses an image without ENTRYPOINT and CMD when the app sets nothing to run', () => {
    assert.throws(() => agentConfig(app({}), image({}), []), /image registry.test\/web:1 has no entrypoint or cmd, and the app sets no command/);
    assert.deepEqual(agentConfig(app({ args: ['/bin/true'] }), image({}), []).args, ['/bin/true']);
  });

  it("a regular app without exposed services is ready once it listens on the image's EXPOSE port", () => {
    assert.equal(agentConfig(app({}), web, []).flash, 'listen-on-port:8080');
    assert.equal(agentConfig(app({ expose: { http: { port: 3000, internal: {} } } }), web, []).flash, 'listen-on-port:3000');
    // Another command is not the server the image's EXPOSE talks about.
    assert.equal(agentConfig(app({ command: ['/bin/sleep', '60'] }), web, []).flash, 'user-space-ready');
    assert.equal(agentConfig(app({ mode: { flash: { strategy: 'first-listen', timeout: 3 } } }), web, []).flash, 'first-listen');
  });

  it("the image's readiness label holds for its own entrypoint, with other args too", () => {
    const pg = image({ Entrypoint: ['/entrypoint'], Cmd: ['postgres'], Labels: { 'cloud.lttle.readiness': 'manual' }, ExposedPorts: { '5432/tcp': {} } });
    assert.equal(agentConfig(app({ args: ['postgres', '-c', 'fsync=on'] }), pg, []).flash, 'manual');
    assert.equal(agentConfig(app({ command: ['/bin/sh'] }), pg, []).flash, 'user-space-ready');
  });
});
