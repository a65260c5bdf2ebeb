import * as assert from 'node:assert/strict';
import { classifySkopeoError } from './errors';
import { parseReference } from './reference';

const ref = parseReference('127.0.0.1:5000/team/app:v1');
const line = (msg: string) => `time="2026-01-01T00:00:00Z" level=fatal msg="${msg.replace(/"/g, '\\"')}"\n`;

describe('pull errors from skopeo', () => {
  it('tells registry down, unauthorised, corrupt and plain-HTTP apart', () => {
    assert.equal(
      classifySkopeoError(
        ref,
        line('pinging container registry 127.0.0.1:5000: Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused'),
      ).kind,
      'unreachable',
    );
    assert.equal(classifySkopeoError(ref, line('reading manifest v1 in 127.0.0.1:5000/team/app: unauthorized: authentication required')).kind, 'unauthorized');
    const corrupt = classifySkopeoError(ref, line('writing blob: happened during read: Digest did not match, expected sha256:aa, got sha256:bb'));
    assert.equal(corrupt.kind, 'corrupt');
    assert.match(corrupt.message, /does not match its digest, refused/);
    assert.match(
      classifySkopeoError(parseReference('example.com/a:b'), line('http: server gave HTTP response to HTTPS client')).message,
      /LTTLE_INSECURE_REGISTRIES=example\.com/,
    );
  });
  it('names the registry and the login command when access is refused', () => {
    assert.match(classifySkopeoError(ref, line('denied: requested access to the resource is denied')).message, /lttle registry login 127\.0\.0\.1:5000/);
  });
});
