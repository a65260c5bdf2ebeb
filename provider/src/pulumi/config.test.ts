import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkConfig, configFromArgs, configFromVariables, diffConfig } from './config';
import { decode, secret, SECRET_SIG, SIG_KEY } from './values';

describe('pulumi provider config', () => {
  it('reads host/token from Configure variables in both key spellings', () => {
    assert.deepEqual(
      configFromVariables([
        ['lttle:config:host', 'unix:///tmp/x.sock'],
        ['lttle:token', 't'],
        ['other:config:host', 'no'],
      ]),
      { host: 'unix:///tmp/x.sock', token: 't' },
    );
  });

  it('reads provider args, unwrapping a secret token', () => {
    assert.deepEqual(configFromArgs(decode({ host: 'http://127.0.0.1:7878', token: secret('t0k'), version: '0.1.0' })), {
      host: 'http://127.0.0.1:7878',
      token: 't0k',
    });
  });

  it('checks the host form and always returns the token as a secret', () => {
    const ok = checkConfig(decode({ host: '/run/lttled.sock', token: 'abc', version: '0.1.0' }));
    assert.deepEqual(ok.failures, []);
    assert.deepEqual(ok.inputs.token, { [SIG_KEY]: SECRET_SIG, value: 'abc' });
    const bad = checkConfig(decode({ host: 'ftp://x', hots: 'y' }));
    assert.deepEqual(bad.failures.map((f) => f.property).sort(), ['host', 'hots']);
  });

  it('diffs host and token without replacing anything', () => {
    assert.deepEqual(diffConfig(decode({ host: 'a' }), decode({ host: 'b', token: secret('x') })), ['host', 'token']);
    assert.deepEqual(diffConfig(decode({ host: 'a' }), decode({ host: 'a' })), []);
  });

  describe('kubeconfig and context (a cluster instead of lttled)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-config-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      'apiVersion: v1\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: lttle, context: {cluster: c, user: u}}]\ncurrent-context: lttle\n',
    );
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('reads them from Configure variables and provider args', () => {
      assert.deepEqual(
        configFromVariables([
          ['lttle:config:kubeconfig', kubeconfig],
          ['lttle:context', 'lttle'],
        ]),
        { kubeconfig, context: 'lttle' },
      );
      assert.deepEqual(configFromArgs(decode({ kubeconfig, context: 'lttle' })), { kubeconfig, context: 'lttle' });
    });

    it('accepts a kubeconfig and one of its contexts', () => {
      assert.deepEqual(checkConfig(decode({ kubeconfig, context: 'lttle' })).failures, []);
    });

    it('refuses host with kubeconfig, a missing file and a missing context, naming the setting and the file', () => {
      assert.deepEqual(checkConfig(decode({ host: 'http://127.0.0.1:7878', kubeconfig })).failures, [
        {
          property: 'host',
          reason: 'host and kubeconfig are exclusive: host and token name one lttled, kubeconfig a Kubernetes cluster; set only one of them',
        },
      ]);
      const missing = checkConfig(decode({ kubeconfig: path.join(dir, 'nope') })).failures;
      assert.deepEqual(missing, [{ property: 'kubeconfig', reason: `kubeconfig ${path.join(dir, 'nope')} does not exist` }]);
      const context = checkConfig(decode({ kubeconfig, context: 'prod' })).failures;
      assert.equal(context[0]?.property, 'context');
      assert.match(context[0]?.reason ?? '', new RegExp(`kubeconfig ${kubeconfig}: no context "prod" \\(contexts: lttle\\)`));
      assert.equal(checkConfig(decode({ context: 'lttle' })).failures[0]?.property, 'context', 'a context needs its kubeconfig');
    });

    it('a change of kubeconfig updates the provider in place', () => {
      assert.deepEqual(diffConfig(decode({ host: 'a' }), decode({ kubeconfig })), ['host', 'kubeconfig']);
    });
  });
});
