import * as assert from 'node:assert/strict';
import { decode, formatPropertyPath, fromStruct, SECRET_SIG, secret, SIG_KEY, toStruct, UNKNOWN, wrapSecrets } from './values';

describe('pulumi values (secrets, unknowns, Struct)', () => {
  it('unwraps secrets and records their paths', () => {
    const d = decode({ environment: { POSTGRES_PASSWORD: { [SIG_KEY]: SECRET_SIG, value: 'pw' }, POSTGRES_USER: 'user' } });
    assert.deepEqual(d.value, { environment: { POSTGRES_PASSWORD: 'pw', POSTGRES_USER: 'user' } });
    assert.deepEqual(d.secrets, [['environment', 'POSTGRES_PASSWORD']]);
    assert.deepEqual(d.unknowns, []);
  });

  it('records unknowns in objects and lists and keeps the sentinel', () => {
    const d = decode({ volumes: [{ name: UNKNOWN, path: '/data' }], image: UNKNOWN });
    assert.deepEqual(d.unknowns, [['volumes', 0, 'name'], ['image']]);
    assert.equal(d.value.image, UNKNOWN);
  });

  it('a secret holding an unknown is both', () => {
    const d = decode({ token: secret(UNKNOWN) });
    assert.deepEqual(d.secrets, [['token']]);
    assert.deepEqual(d.unknowns, [['token']]);
  });

  it('re-wraps secrets, the outermost path covering inner ones, missing paths skipped', () => {
    const out = wrapSecrets({ environment: { A: '1' }, image: 'x' }, [['environment', 'A'], ['environment'], ['gone']]);
    assert.deepEqual(out, { environment: secret({ A: '1' }), image: 'x' });
    assert.deepEqual(wrapSecrets({ list: ['a', 'b'] }, [['list', 1]]), { list: ['a', secret('b')] });
  });

  it('round-trips through google.protobuf.Struct with numbers, nulls and nesting', () => {
    const value = { size: 104857600, mode: { flash: { strategy: { nthListen: 2 }, timeout: 3 } }, n: null, secret: secret('s') };
    const d = fromStruct(toStruct(value));
    assert.deepEqual(d.value, { ...value, secret: 's' });
    assert.deepEqual(d.secrets, [['secret']]);
  });

  it('formats property paths the way Pulumi does', () => {
    assert.equal(formatPropertyPath(['mode', 'flash', 'timeout']), 'mode.flash.timeout');
    assert.equal(formatPropertyPath(['volumes', 0, 'path']), 'volumes[0].path');
    assert.equal(formatPropertyPath(['expose', 'my-svc', 'port']), 'expose["my-svc"].port');
  });
});
