// Fork requests the runtime refuses, against a real daemon and before any
// machine boots: each answer names the field or the state to fix, and nothing
// is created (no app, no branch volume, no layer).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConflictError, InvalidError, NotFoundError, type LttleError } from '../../schema/src/errors';
import type { AppSpec } from '../../schema/src/types';
import { TestRuntime } from '../support/runtime';

const IMAGE = 'ghcr.io/lttle-cloud/postgres:17-flash';

describe('app fork: refusals (lttled, no machine)', function () {
  this.timeout(660_000);
  const rt = new TestRuntime('lttle-fork-refusals-');
  const refusedWith = (type: new (...args: never[]) => LttleError, message: RegExp) => (err: LttleError) => {
    assert.ok(err instanceof type, `${err.name}: ${err.message}`);
    assert.match(err.message, message);
    return true;
  };

  before(async () => {
    // Apps that wait for a volume that does not exist: recorded, never booted.
    const app = (name: string, mode: AppSpec['mode'] | 'regular') => ({
      name,
      namespace: 'samples',
      image: IMAGE,
      mode,
      volumes: [{ name: 'missing', path: '/var/lib/postgresql/data' }],
      expose: { access: { port: 5432 } },
    });
    await rt.client.applyApp(app('waiting', { flash: { strategy: 'manual', timeout: 3 } }));
    // Refused at once while its image resolves too (a boot in progress holds the app's queue).
    await assert.rejects(rt.client.forkApp('samples', 'waiting', { to: 'early' }), ConflictError);
    await rt.client.applyApp(app('plain', 'regular'));
    // On a fresh machine the first resolution builds the image store's rootfs.
    await rt.waitForApp('samples', 'waiting', { states: ['waiting'], timeoutMs: 600_000 });
  });
  after(() => rt.dispose());

  it('names the field or the state, and creates nothing', async () => {
    await assert.rejects(rt.client.forkApp('samples', 'nope', { to: 'pr' }), refusedWith(NotFoundError, /app samples\/nope/));
    await assert.rejects(rt.client.forkApp('samples', 'waiting', { to: 'Bad Name' }), refusedWith(InvalidError, /^to: "Bad Name" is not a valid app name/));
    await assert.rejects(rt.client.forkApp('samples', 'waiting', { to: 'plain' }), refusedWith(ConflictError, /^to: app samples\/plain already exists/));
    await assert.rejects(
      rt.client.forkApp('samples', 'plain', { to: 'pr' }),
      refusedWith(ConflictError, /is in regular mode: only a flash-mode app has a memory snapshot/),
    );
    await assert.rejects(
      rt.client.forkApp('samples', 'waiting', { to: 'pr' }),
      refusedWith(ConflictError, /^app samples\/waiting is waiting \(waiting for volume samples\/missing\): a fork needs it ready or suspended/),
    );
    const cli = await rt.cli(['app', 'fork', '--ns', 'samples', 'waiting']);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /app fork needs --to NAME/);

    // The same through a document's fork-of.
    const fork = { name: 'pr', namespace: 'samples', image: IMAGE, mode: { flash: { strategy: 'manual', timeout: 3 } } };
    await assert.rejects(rt.client.applyApp({ ...fork, 'fork-of': 'nope' }), refusedWith(InvalidError, /^fork-of: app samples\/nope does not exist/));
    await assert.rejects(rt.client.applyApp({ ...fork, 'fork-of': 'pr' }), refusedWith(InvalidError, /fork-of/));
    await assert.rejects(
      rt.client.applyApp({ ...fork, image: 'ghcr.io/lttle-cloud/other:1', 'fork-of': 'waiting' }),
      refusedWith(InvalidError, /^image: a fork runs the image of the source app samples\/waiting/),
    );
    await assert.rejects(rt.client.applyApp({ ...fork, 'fork-of': 'waiting' }), refusedWith(InvalidError, /^volumes: a fork lists one new volume per volume/));

    assert.deepEqual((await rt.client.listApps('samples')).map((a) => a.spec.name).sort(), ['plain', 'waiting']);
    assert.deepEqual(await rt.client.listVolumes(), []);
    assert.deepEqual(fs.readdirSync(path.join(rt.home, 'layers')), []);
  });
});
