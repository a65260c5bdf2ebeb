// The web app example (examples/webapp) deployed beside the seed with the CLI:
// GET / counts a visit in the seed's PostgreSQL through the internal service
// name, also when both apps were suspended (the web app's request wakes the
// database), and answers 503 with the error once the database app is gone.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as path from 'node:path';
import { packageRoot } from '../../schema/src/paths';
import type { AppStatus } from '../../schema/src/types';
import { TestRuntime } from '../support/runtime';
import { SEED_FILE } from '../support/seed';
import { deployInitialisedSeedVolume } from '../support/seed-volume';

const WEBAPP_FILE = path.join(packageRoot(), 'examples', 'webapp', 'webapp.lttle.yaml');

function get(hostAddress: string): Promise<{ status: number; body: string }> {
  const [host, port] = hostAddress.split(':');
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port: Number(port), path: '/', timeout: 300_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${hostAddress}/ timed out`)));
    req.on('error', reject);
  });
}

describe('webapp example: a web app that uses the seed PostgreSQL', function () {
  this.timeout(1_800_000);
  const rt = new TestRuntime('lttle-webapp-');
  let webapp: AppStatus;
  const suspended = (name: string) => rt.waitForApp('samples', name, { states: ['suspended'], timeoutMs: 900_000 });

  after(async () => {
    await rt.client.deleteApp('samples', 'webapp').catch(() => undefined);
    await rt.client.deleteApp('samples', 'postgresql').catch(() => undefined);
    await rt.client.deleteVolume('samples', 'pgdata').catch(() => undefined);
    await rt.dispose();
  });

  before(() => deployInitialisedSeedVolume(rt));

  it('deploys both documents with one lttle deploy; both apps reach flash suspension', async () => {
    const res = await rt.cli(['deploy', SEED_FILE, WEBAPP_FILE]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Successfully deployed app: samples\/webapp\n/);
    await suspended('postgresql');
    webapp = await suspended('webapp');
  });

  it('GET / answers 200 with the row count, through the internal name', async () => {
    const first = await get(webapp.services[0].hostAddress);
    assert.equal(first.status, 200, first.body);
    const n = (JSON.parse(first.body) as { visits: number }).visits;
    assert.ok(n >= 1, first.body);
    const second = await get(webapp.services[0].hostAddress);
    assert.deepEqual(JSON.parse(second.body), { visits: n + 1 });
  });

  it("after both apps were suspended, the web app's request wakes the database", async () => {
    const [db, web] = await Promise.all([suspended('postgresql'), suspended('webapp')]);
    const dbResumes = db.flash?.resumeCount ?? 0;
    const webResumes = web.flash?.resumeCount ?? 0;
    const res = await get(webapp.services[0].hostAddress);
    assert.equal(res.status, 200, res.body);
    assert.match(res.body, /^\{"visits":\d+\}\n$/);
    assert.ok(((await rt.client.getApp('samples', 'postgresql'))?.flash?.resumeCount ?? 0) > dbResumes, 'the database was woken');
    assert.ok(((await rt.client.getApp('samples', 'webapp'))?.flash?.resumeCount ?? 0) > webResumes, 'the web app was woken');
  });

  it('answers 503 with the error when the database app is deleted', async () => {
    const del = await rt.cli(['app', 'delete', '--ns', 'samples', 'postgresql', '-y']);
    assert.equal(del.code, 0, del.stderr);
    const res = await get(webapp.services[0].hostAddress);
    assert.equal(res.status, 503, res.body);
    assert.match(res.body, /"error":"database postgresql-access\.samples\.svc\.lttle\.local:5432 unavailable: .+"/);
  });
});
