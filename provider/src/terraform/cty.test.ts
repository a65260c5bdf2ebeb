import * as assert from 'node:assert/strict';
import { decode, encode, ExtData } from '@msgpack/msgpack';
import { decodeValue, encodeValue, isUnknown, type CtyType } from './cty';

const type: CtyType = ['object', { name: 'string', size: 'number', tags: ['list', 'string'], env: ['map', 'string'], nested: ['object', { port: 'number' }] }];

describe('terraform cty msgpack', () => {
  it('fills missing object attributes with null and drops unknown ones', () => {
    const v = decodeValue(encode({ name: 'a', extra: 1 }), type) as Record<string, unknown>;
    assert.deepEqual(Object.keys(v).sort(), ['env', 'name', 'nested', 'size', 'tags']);
    assert.equal(v.size, null);
    assert.equal('extra' in v, false);
  });

  it('round-trips unknown (ext 0) and refined unknown (ext 12) byte for byte', () => {
    const refinement = encode(new Map([[1, true]]));
    const wire = encode({ name: new ExtData(0, new Uint8Array([0])), size: new ExtData(12, refinement), tags: ['x'], env: { A: 'b' }, nested: null });
    const v = decodeValue(wire, type) as Record<string, unknown>;
    assert.ok(isUnknown(v.name));
    assert.ok(isUnknown(v.size) && v.size.refined);
    const again = decode(encodeValue(v as never, type)) as Record<string, unknown>;
    assert.deepEqual((again.size as ExtData).type, 12);
    assert.deepEqual(Buffer.from((again.size as ExtData).data as Uint8Array), Buffer.from(refinement));
    assert.deepEqual((again.name as ExtData).type, 0);
  });

  it('decodes nil and empty as null, numbers sent as strings as numbers', () => {
    assert.equal(decodeValue(encode(null), type), null);
    assert.equal(decodeValue(Buffer.alloc(0), type), null);
    assert.equal((decodeValue(encode({ size: '1048576' }), type) as Record<string, unknown>).size, 1048576);
  });
});
