import * as assert from 'node:assert/strict';
import { create, update, type Context } from './crud';
import { decode, secret, SECRET_SIG, SIG_KEY, UNKNOWN } from './values';

/** A context whose runtime client must never be made: previews do not touch the runtime. */
const noRuntime: Context = {
  client: () => {
    throw new Error('preview touched the runtime');
  },
  signal: new AbortController().signal,
};

describe('pulumi Create/Update previews', () => {
  it('a create preview returns the inputs with computed outputs unknown', async () => {
    const r = await create(noRuntime, 'volume', decode({ name: 'pgdata', namespace: 'samples', size: '100Mi' }), true, 0);
    assert.equal(r.id, '');
    assert.deepEqual(r.outputs, { name: 'pgdata', namespace: 'samples', mode: 'writeable', size: '100Mi', sizeBytes: UNKNOWN, state: UNKNOWN, attachedTo: UNKNOWN });
  });

  it('an app preview keeps environment secret and passes unknown inputs through', async () => {
    const r = await create(noRuntime, 'app', decode({ name: 'pg', image: 'img', environment: { P: secret('pw') }, volumes: [{ name: UNKNOWN, path: '/d' }] }), true, 0);
    assert.deepEqual(r.outputs.environment, { [SIG_KEY]: SECRET_SIG, value: { P: 'pw' } });
    assert.equal(r.outputs.services, UNKNOWN);
    assert.deepEqual(r.outputs.volumes, [{ name: UNKNOWN, path: '/d' }]);
  });

  it('an update preview marks what will change as unknown and keeps the rest', async () => {
    const olds = decode({ name: 'v', size: '100Mi', sizeBytes: 104857600, state: 'ready' });
    const r = await update(noRuntime, 'volume', 'default/v', olds, decode({ name: 'v', size: '200Mi' }), true, 0);
    assert.equal(r.outputs.sizeBytes, UNKNOWN);
    assert.equal(r.outputs.state, 'ready');
    assert.equal(r.outputs.size, '200Mi');
  });
});
