import * as assert from 'node:assert/strict';
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
});
