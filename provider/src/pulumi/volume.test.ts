import * as assert from 'node:assert/strict';
import type { WaitOptions } from '../../../runtime/src/client/api';
import { ConflictError } from '../../../schema/src/errors';
import type { VolumeSpec, VolumeStatus } from '../../../schema/src/types';
import { DiffKind } from './resource';
import { noRuntime, withClient } from './testing/contexts';
import { decode, UNKNOWN } from './values';
import { volume } from './volume';

describe('pulumi Volume: Check', () => {
  it('explains a resource name that is not a valid lttle name', () => {
    const r = volume.check(decode({ size: '1Gi' }), undefined, { logicalName: 'my.volume' });
    assert.equal(r.failures[0]?.property, 'name');
    assert.match(r.failures[0].reason, /"my\.volume-[a-z0-9]{8}" was made from the Pulumi resource name; set `name` explicitly/);
  });

  it('still reports known problems next to unknowns', () => {
    const r = volume.check(decode({ name: UNKNOWN, size: '1Xi' }), undefined, { logicalName: 'v' });
    assert.deepEqual(
      r.failures.map((f) => f.property),
      ['size'],
    );
  });

  it('refuses to shrink a volume, with a clear message', () => {
    const olds = decode({ name: 'pgdata', namespace: 'samples', size: '200Mi' });
    const r = volume.check(decode({ name: 'pgdata', namespace: 'samples', size: '100Mi' }), olds, { logicalName: 'pgdata' });
    assert.equal(r.failures.length, 1);
    assert.equal(r.failures[0].property, 'size');
    assert.match(r.failures[0].reason, /^size .*200Mi.*samples\/pgdata.*100Mi.*only grow/);
  });

  it('names fromSnapshot when it is not VOLUME/SNAPSHOT', () => {
    assert.deepEqual(volume.check(decode({ name: 'r', size: '100Mi', fromSnapshot: 'pgdata/before-migration' }), undefined, { logicalName: 'r' }).failures, []);
    const r = volume.check(decode({ name: 'r', size: '100Mi', fromSnapshot: 'pgdata' }), undefined, { logicalName: 'r' });
    assert.deepEqual(
      r.failures.map((f) => f.property),
      ['fromSnapshot'],
    );
    assert.match(r.failures[0].reason, /^fromSnapshot must be VOLUME\/SNAPSHOT/);
  });

  it('allows growing, and shrinking when the name changes (a new volume)', () => {
    const olds = decode({ name: 'pgdata', size: '100Mi' });
    assert.deepEqual(volume.check(decode({ name: 'pgdata', size: '1Gi' }), olds, { logicalName: 'pgdata' }).failures, []);
    assert.deepEqual(volume.check(decode({ name: 'pgdata2', size: '10Mi' }), olds, { logicalName: 'pgdata' }).failures, []);
  });
});

describe('pulumi Volume: Diff', () => {
  it('spelling differences that normalise the same are no change', () => {
    const r = volume.diff({ name: 'v', size: '100Mi', mode: 'writable' }, decode({ name: 'v', size: 104857600 }));
    assert.equal(r.changed, false);
  });

  it('growing a volume is an in-place UPDATE', () => {
    const r = volume.diff({ name: 'v', size: '100Mi' }, decode({ name: 'v', size: '200Mi' }));
    assert.deepEqual(r, { changed: true, replaces: [], diffs: ['size'], deleteBeforeReplace: false, detailed: { size: DiffKind.UPDATE }, redeploy: false });
  });

  it('a shrink (the host grown behind Pulumi, seen by refresh) is shown as an update, not an error: Check refuses it', () => {
    const r = volume.diff({ name: 'v', size: '200Mi' }, decode({ name: 'v', size: '100Mi' }));
    assert.deepEqual(r.detailed, { size: DiffKind.UPDATE });
    assert.deepEqual(r.replaces, []);
  });

  it('a new fromSnapshot is read at creation only: an update, not a replacement', () => {
    const r = volume.diff({ name: 'v', size: '100Mi', fromSnapshot: 'pgdata/a' }, decode({ name: 'v', size: '100Mi', fromSnapshot: 'pgdata/b' }));
    assert.deepEqual(r.detailed, { fromSnapshot: DiffKind.UPDATE });
    assert.deepEqual(r.replaces, []);
  });

  it('a rename replaces, creating the new volume first (the app moves before the old one goes)', () => {
    const r = volume.diff({ name: 'pgdata', namespace: 'samples', size: '100Mi' }, decode({ name: 'pgdata3', namespace: 'samples', size: '100Mi' }));
    assert.deepEqual(r.replaces, ['name']);
    assert.equal(r.deleteBeforeReplace, false);
  });

  it('an unknown name replaces, deleting first', () => {
    const n = volume.diff({ name: 'v', size: '1Gi' }, decode({ name: UNKNOWN, size: '1Gi' }));
    assert.deepEqual(n.replaces, ['name']);
    assert.equal(n.deleteBeforeReplace, true);
  });
});

describe('pulumi Volume: Create/Update', () => {
  it('a create preview returns the inputs with computed outputs unknown', async () => {
    const r = await volume.create(noRuntime, decode({ name: 'pgdata', namespace: 'samples', size: '100Mi' }), true, 0);
    assert.equal(r.id, '');
    assert.deepEqual(r.outputs, {
      name: 'pgdata',
      namespace: 'samples',
      mode: 'writeable',
      size: '100Mi',
      sizeBytes: UNKNOWN,
      state: UNKNOWN,
      attachedTo: UNKNOWN,
    });
  });

  it('an update preview marks what will change as unknown and keeps the rest', async () => {
    const olds = decode({ name: 'v', size: '100Mi', sizeBytes: 104857600, state: 'ready' });
    const r = await volume.update(noRuntime, 'default/v', olds, decode({ name: 'v', size: '200Mi' }), true, 0);
    assert.equal(r.outputs.sizeBytes, UNKNOWN);
    assert.equal(r.outputs.state, 'ready');
    assert.equal(r.outputs.size, '200Mi');
  });

  it('applies and waits through the client, with the timeout from customTimeouts (default 600 s)', async () => {
    const waits: WaitOptions<VolumeStatus>[] = [];
    const ctx = withClient({
      getVolume: async () => undefined,
      applyVolumeAndWait: async (spec, options) => {
        waits.push(options);
        const s = spec as VolumeSpec;
        const status: VolumeStatus = { spec: s, state: 'ready', sizeBytes: s.size, generation: 2, observedGeneration: 2, createdAt: '', updatedAt: '' };
        return { status, plan: { action: 'create', changes: [], deleteBeforeReplace: false, redeploy: false, errors: [] } };
      },
    });
    const r = await volume.create(ctx, decode({ name: 'pgdata', size: '100Mi' }), false, 0);
    assert.deepEqual(r.outputs, { name: 'pgdata', namespace: 'default', mode: 'writeable', size: '100Mi', sizeBytes: 104857600, state: 'ready' });
    await volume.update(ctx, 'default/pgdata', decode(r.outputs), decode({ name: 'pgdata', size: '200Mi' }), false, 42);
    assert.deepEqual(
      waits.map((w) => w.timeoutMs),
      [600_000, 42_000],
    );
    assert.match(waits[0].timeoutHint ?? '', /customTimeouts/);
  });

  it('Create refuses to adopt an existing volume', async () => {
    const ctx = withClient({ getVolume: async () => ({}) as VolumeStatus });
    await assert.rejects(
      volume.create(ctx, decode({ name: 'pgdata', size: '100Mi' }), false, 0),
      (err: unknown) => err instanceof ConflictError && /pulumi import lttle:index:Volume/.test(err.message),
    );
  });
});

describe('pulumi Volume: Read/Delete', () => {
  it('turns a runtime spec back into inputs with a readable size', () => {
    const r = volume.toSpec({ name: 'pgdata', size: '100Mi' });
    assert.ok(r.ok);
    assert.deepEqual(volume.specToInputs(r.spec), { name: 'pgdata', namespace: 'default', mode: 'writeable', size: '100Mi' });
  });

  it('Delete retries while the volume is still attached, up to customTimeouts.delete', async () => {
    let calls = 0;
    const ctx = withClient({
      deleteVolume: async () => {
        calls++;
        throw new ConflictError('volume samples/pgdata is attached to app samples/postgresql');
      },
    });
    const started = Date.now();
    await assert.rejects(volume.delete(ctx, 'samples/pgdata', 0.6), ConflictError);
    assert.ok(calls >= 2 && Date.now() - started < 5_000, `calls ${calls}`);
  });
});
