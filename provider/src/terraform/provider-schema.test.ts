import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { providerSchema, validateProviderConfig } from './provider-schema';

describe('terraform provider block: kubeconfig and context', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-tf-config-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    'apiVersion: v1\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: lttle, context: {cluster: c, user: u}}]\ncurrent-context: lttle\n',
  );
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const at = (config: Record<string, string | null>) =>
    validateProviderConfig({ host: null, token: null, kubeconfig: null, context: null, ...config }).map((d) => ({
      attribute: d.attribute?.steps,
      detail: d.detail,
    }));

  it('has the attributes, neither sensitive (a path and a context name)', () => {
    const attrs = providerSchema.attributes.filter((a) => a.name === 'kubeconfig' || a.name === 'context');
    assert.deepEqual(
      attrs.map((a) => [a.name, a.optional, a.sensitive ?? false]),
      [
        ['kubeconfig', true, false],
        ['context', true, false],
      ],
    );
  });

  it('accepts a kubeconfig with or without a context of it; the local daemon stays the default', () => {
    assert.deepEqual(at({ kubeconfig }), []);
    assert.deepEqual(at({ kubeconfig, context: 'lttle' }), []);
    assert.deepEqual(at({}), []);
  });

  it('points at the attribute: host or token with kubeconfig, a missing file, a missing context', () => {
    assert.deepEqual(at({ kubeconfig, host: 'http://127.0.0.1:7878' })[0]?.attribute, [{ attribute_name: 'host' }]);
    assert.deepEqual(at({ kubeconfig, token: 'secret-token' })[0]?.attribute, [{ attribute_name: 'token' }]);
    assert.doesNotMatch(JSON.stringify(at({ kubeconfig, token: 'secret-token' })), /secret-token/, 'the token is never shown');
    assert.deepEqual(at({ kubeconfig: path.join(dir, 'gone') }), [
      { attribute: [{ attribute_name: 'kubeconfig' }], detail: `kubeconfig ${path.join(dir, 'gone')} does not exist` },
    ]);
    const context = at({ kubeconfig, context: 'prod' });
    assert.deepEqual(context[0]?.attribute, [{ attribute_name: 'context' }]);
    assert.match(context[0]?.detail ?? '', /no context "prod"/);
  });
});
