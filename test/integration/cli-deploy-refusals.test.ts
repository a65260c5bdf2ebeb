// `lttle deploy` refusals a newcomer meets, against a real daemon (no VM is
// booted: every case is refused before anything is applied).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TestRuntime } from '../support/runtime';

describe('lttle deploy: refusals that point at the line to fix', function () {
  this.timeout(300_000);
  const rt = new TestRuntime('lttle-deploy-refusals-');
  const file = (name: string, text: string) => {
    const p = path.join(rt.home, name);
    fs.writeFileSync(p, text);
    return p;
  };

  before(() => rt.client.applyVolume({ name: 'pgdata', namespace: 'samples', size: '2Mi' }));
  after(() => rt.dispose());

  it('refuses an app mounting a volume that is neither on the host nor in the files, naming the line and the close name', async () => {
    const app = file(
      'typo.lttle.yaml',
      'app:\n  name: pg\n  namespace: samples\n  image: ghcr.io/lttle-cloud/postgres:17-flash\n  volumes:\n    - name: pgdta\n      path: /data\n',
    );
    const res = await rt.cli(['deploy', '--no-wait', app]);
    assert.equal(res.code, 1, res.stdout);
    assert.match(
      res.stderr,
      /typo\.lttle\.yaml: document 1 \(app "pg"\), line 6 col 13: volumes\[0\]\.name: volume samples\/pgdta is neither on this host nor in these files; did you mean pgdata\? \(--allow-missing-volumes deploys the app to wait for it\)\nNothing was deployed\./,
    );
    assert.equal(await rt.client.getApp('samples', 'pg'), undefined, 'nothing was applied');
  });

  it('names the line of a volume shrink the runtime refuses', async () => {
    const shrink = file('shrink.lttle.yaml', 'volume:\n  name: pgdata\n  namespace: samples\n  size: 1Mi\n');
    const res = await rt.cli(['deploy', shrink]);
    assert.equal(res.code, 1, res.stdout);
    assert.match(res.stderr, /shrink\.lttle\.yaml: document 1 \(volume "pgdata"\), line 4 col 9: size must not be smaller/);
  });
});
