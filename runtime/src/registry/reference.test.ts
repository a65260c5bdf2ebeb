import * as assert from 'node:assert/strict';
import { formatReference, isLoopbackRegistry, parseReference } from './reference';

const D = `sha256:${'a'.repeat(64)}`;

describe('image references', () => {
  it('puts host-less names on Docker Hub, one-part names under library/', () => {
    assert.equal(formatReference(parseReference('postgres')), 'docker.io/library/postgres:latest');
    assert.equal(formatReference(parseReference('bitnami/redis:7')), 'docker.io/bitnami/redis:7');
  });
  it('keeps a registry host with a port, a tag and a digest', () => {
    const ref = parseReference(`127.0.0.1:5000/team/app:v1@${D}`);
    assert.deepEqual(ref, { registry: '127.0.0.1:5000', repository: 'team/app', tag: 'v1', digest: D });
    assert.equal(parseReference(`localhost/app@${D}`).tag, undefined);
  });
  it('names the bad part of an invalid reference', () => {
    assert.throws(() => parseReference('app@sha256:xyz'), /not a sha256 digest/);
    assert.throws(() => parseReference('Bad/Name'), /not a valid repository name/);
  });
  it('treats only loopback registries as plain-HTTP by default', () => {
    assert.ok(isLoopbackRegistry('127.0.0.1:5000'));
    assert.ok(isLoopbackRegistry('localhost:5000'));
    assert.ok(!isLoopbackRegistry('ghcr.io'));
    assert.ok(!isLoopbackRegistry('10.0.0.1:5000'));
  });
});
