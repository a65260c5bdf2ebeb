// App fork under PostgreSQL: a fork of the suspended seed app resumes from a
// copy of its memory on branches of its volume (no cold boot), answers with
// the rows the source had and a password of its own, and from then on each
// side sees only its own writes. Deleting the source app and its volume leaves
// the fork whole (its layers are kept while it uses them). Two machines, one boot.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AppStatus } from '../../schema/src/types';
import { hostPort, psql, type PsqlTarget } from '../support/psql';
import { TestRuntime } from '../support/runtime';
import { documentsYaml, seedDocuments } from '../support/seed';
import { deployInitialisedSeedVolume } from '../support/seed-volume';
import { storedVolume } from '../support/volume-chain';

const NS = 'forks';
const SECRET = 'branch-only-Secret-42';

describe('app fork under PostgreSQL', function () {
  this.timeout(1_800_000);
  const rt = new TestRuntime('lttle-fork-');
  let parent: PsqlTarget;

  const status = async (name: string): Promise<AppStatus> => (await rt.client.getApp(NS, name))!;
  const logsOf = async (name: string) => (await rt.cli(['machine', 'logs', '--ns', NS, name])).stdout;

  before(async () => {
    const { app } = seedDocuments();
    app.name = 'pg';
    app.namespace = NS;
    app.volumes[0].name = 'data';
    await deployInitialisedSeedVolume(rt, NS, 'data');
    const res = await rt.cli(['deploy', rt.writeFile('pg.yaml', documentsYaml({ app })), '--timeout', '900']);
    assert.equal(res.code, 0, res.stderr);
    parent = hostPort((await status('pg')).services[0].hostAddress);
  });

  after(async () => {
    for (const name of ['pg', 'pr1', 'pr2']) await rt.client.deleteApp(NS, name).catch(() => undefined);
    await rt.dispose();
  });

  it('forks the suspended source without a boot, with its rows, its own password and its own writes, both ways', async () => {
    await psql(parent, 'create table t (n int); insert into t select generate_series(1, 100)');
    const forked = await rt.cli(['app', 'fork', '--ns', NS, 'pg', '--to', 'pr1', '--env', `POSTGRES_PASSWORD=${SECRET}`]);
    assert.equal(forked.code, 0, forked.stderr);
    assert.match(forked.stdout, /^App 'pr1' has been forked from 'pg' \(\w+\); its service: 127\.0\.0\.1:\d+\n$/);
    const fork: PsqlTarget = { ...hostPort((await status('pr1')).services[0].hostAddress), password: SECRET };
    assert.notEqual(fork.port, parent.port, 'the fork has its own service port');

    assert.equal(await psql(fork, 'select count(*) from t'), '100', 'the fork starts with the rows of the source');
    await assert.rejects(
      psql({ ...fork, password: 'password' }, 'select 1'),
      /password authentication failed/,
      "the source's password no longer opens the fork",
    );
    assert.equal(await psql(parent, 'select count(*) from t'), '100', 'the source keeps its password');

    await psql(parent, 'insert into t select generate_series(101, 150)');
    await psql(fork, 'insert into t values (1000)');
    assert.equal(await psql(parent, "select count(*) || ',' || count(*) filter (where n = 1000) from t"), '150,0', 'the source sees only its writes');
    assert.equal(await psql(fork, "select count(*) || ',' || count(*) filter (where n > 100 and n < 1000) from t"), '101,0', 'the fork sees only its own');

    const logs = await logsOf('pr1');
    assert.match(logs, /forked from app forks\/pg/);
    assert.match(logs, /restored the machine from its persisted snapshot/);
    assert.doesNotMatch(logs, /booting|cold boot|database system is ready to accept connections/, 'the fork never booted');
    const branch = storedVolume(rt.home, NS, 'pr1-data');
    assert.equal(branch.format, 'qcow2');
    assert.deepEqual(branch.layers, storedVolume(rt.home, NS, 'data').layers, 'the branch shares the layers of its source');

    // The same through the document: `fork-of`, refused with the field when the machine differs.
    const { app: yamlFork } = seedDocuments();
    Object.assign(yamlFork, { name: 'pr2', namespace: NS, 'fork-of': 'pg', volumes: [{ name: 'pr2-data', path: '/srv' }] });
    const refused = await rt.cli(['deploy', rt.writeFile('pr2-bad.yaml', documentsYaml({ app: yamlFork }))]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /volumes\[0\]\.path: must be \/var\/lib\/postgresql\/data/);
    assert.equal(await rt.client.getApp(NS, 'pr2'), undefined, 'nothing was created');
    yamlFork.volumes[0].path = '/var/lib/postgresql/data';
    const deployed = await rt.cli(['deploy', rt.writeFile('pr2.yaml', documentsYaml({ app: yamlFork }))]);
    assert.equal(deployed.code, 0, deployed.stderr);
    const pr2 = hostPort((await status('pr2')).services[0].hostAddress);
    assert.equal(await psql(pr2, 'select count(*) from t'), '150', 'a fork made by a document has the rows of the source at that time');
    assert.equal(await rt.client.deleteApp(NS, 'pr2'), true);
    assert.equal(await rt.client.getVolume(NS, 'pr2-data'), undefined, "a fork's branch volume is deleted with it");

    // The source goes, app and volume: the fork keeps the layers it uses, and its data.
    assert.equal(await rt.client.deleteApp(NS, 'pg'), true);
    assert.equal(await rt.client.deleteVolume(NS, 'data'), true);
    for (const layer of branch.layers ?? []) assert.ok(fs.existsSync(path.join(rt.home, 'layers', layer)), `layer ${layer} is kept for the fork`);
    assert.equal(await psql(fork, 'select count(*) from t'), '101');

    // The secret appears in no log.
    for (const file of ['lttled.log', 'lttled.test.log']) {
      const text = fs.existsSync(path.join(rt.home, file)) ? fs.readFileSync(path.join(rt.home, file), 'utf8') : '';
      assert.ok(!text.includes(SECRET), `${file} does not show the password`);
    }
    assert.ok(!(await logsOf('pr1')).includes(SECRET), "the fork's log does not show the password");
    assert.equal(await rt.client.deleteApp(NS, 'pr1'), true);
    assert.deepEqual(fs.readdirSync(path.join(rt.home, 'layers')), [], 'the last user of the layers is gone, and so are they');
  });
});
