import * as assert from 'node:assert/strict';
import { kindOf, nameFromUrn, resourceFor, typeFromUrn } from './registry';
import { volume } from './volume';

describe('pulumi resource registry (tokens, URNs)', () => {
  const urn = 'urn:pulumi:dev::lttle-postgres::lttle:index:App::postgresql';

  it('finds the kind and name from the type or the URN', () => {
    assert.equal(typeFromUrn(urn), 'lttle:index:App');
    assert.equal(typeFromUrn('urn:pulumi:dev::p::my:Component$lttle:index:Volume::v'), 'lttle:index:Volume');
    assert.equal(kindOf('', urn), 'app');
    assert.equal(kindOf('lttle:index:Volume', ''), 'volume');
    assert.equal(kindOf('', 'urn:pulumi:dev::p::aws:s3:Bucket::b'), undefined);
    assert.equal(nameFromUrn(urn), 'postgresql');
  });

  it('dispatches a type token to its resource type', () => {
    assert.equal(resourceFor('lttle:index:Volume', ''), volume);
    assert.equal(resourceFor('aws:s3:Bucket', ''), undefined);
  });
});
