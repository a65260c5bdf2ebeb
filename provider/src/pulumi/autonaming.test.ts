import * as assert from 'node:assert/strict';
import { AutonamingMode } from './autonaming';
import { decode } from './values';
import { volume } from './volume';

const seed = (byte: number) => new Uint8Array(32).fill(byte);

describe('pulumi autonaming', () => {
  it('no name: the logical name plus a suffix from the engine seed (preview and up agree), recorded in __defaults', () => {
    const a = volume.check(decode({ size: '1Gi' }), undefined, { logicalName: 'pgdata', randomSeed: seed(1) });
    const b = volume.check(decode({ size: '1Gi' }), undefined, { logicalName: 'pgdata', randomSeed: seed(1) });
    const other = volume.check(decode({ size: '1Gi' }), undefined, { logicalName: 'pgdata', randomSeed: seed(2) });
    assert.deepEqual(a.failures, []);
    assert.match(String(a.inputs.name), /^pgdata-[a-z0-9]{8}$/);
    assert.equal(a.inputs.name, b.inputs.name);
    assert.notEqual(a.inputs.name, other.inputs.name, 'another stack (another seed) gets another name');
    assert.deepEqual(a.inputs.__defaults, ['name']);
  });

  it('keeps the name the resource already has, so an update never renames it', () => {
    const olds = decode({ name: 'pgdata-abcd1234', size: '1Gi', __defaults: ['name'] });
    const r = volume.check(decode({ size: '2Gi' }), olds, { logicalName: 'pgdata', randomSeed: seed(3) });
    assert.equal(r.inputs.name, 'pgdata-abcd1234');
    const d = volume.diff(olds.value, decode(r.inputs));
    assert.deepEqual(d.replaces, []);
  });

  it('an explicit name is used as is, without __defaults', () => {
    const r = volume.check(decode({ name: 'pgdata', size: '1Gi' }), undefined, { logicalName: 'x', randomSeed: seed(1) });
    assert.equal(r.inputs.name, 'pgdata');
    assert.equal(r.inputs.__defaults, undefined);
  });

  it("honours the engine's autonaming options: the proposed name (propose, enforce); disabled requires a name", () => {
    for (const mode of [AutonamingMode.PROPOSE, AutonamingMode.ENFORCE]) {
      const r = volume.check(decode({ size: '1Gi' }), undefined, { logicalName: 'pgdata', autonaming: { proposedName: 'dev-pgdata', mode } });
      assert.equal(r.inputs.name, 'dev-pgdata');
    }
    const off = volume.check(decode({ size: '1Gi' }), undefined, { logicalName: 'pgdata', autonaming: { proposedName: '', mode: AutonamingMode.DISABLE } });
    assert.equal(off.failures[0]?.property, 'name');
    assert.match(off.failures[0].reason, /autonaming is disabled.*set `name`/);
  });

  it('an autonamed volume whose namespace changes is replaced, creating the new one first', () => {
    const olds = { name: 'pgdata-abcd1234', namespace: 'a', size: '1Gi', __defaults: ['name'] };
    const auto = volume.diff(olds, decode({ ...olds, namespace: 'b' }));
    assert.deepEqual(auto.replaces, ['namespace']);
    assert.equal(auto.deleteBeforeReplace, false);
  });
});
