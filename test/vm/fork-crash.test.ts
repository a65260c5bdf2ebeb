// lttled killed with SIGKILL in the middle of `lttle app fork`, at the points
// a fork passes (its branch volume recorded, its memory being copied, its
// snapshot header written, its app recorded): after a restart the fork is
// either whole (it resumes from its snapshot with the source's rows) or not
// there at all (no app, no branch volume, no machine
// directory), no layer is left that nothing uses, and the source keeps its
// rows. One boot of the seed; the source needs a suspended machine to fork.
import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntimeClient } from '../../runtime/src/client/client';
import { hostPort, psql, type PsqlTarget } from '../support/psql';
import { TestRuntime, waitForExit } from '../support/runtime';
import { documentsYaml, seedDocuments } from '../support/seed';
import { deployInitialisedSeedVolume } from '../support/seed-volume';
import { storedVolume } from '../support/volume-chain';

const NS = 'forks';

/** Files that appear, in this order, as a fork proceeds (runtime/src/app/fork.ts, app-manager.ts createFork). */
const KILL_POINTS: { name: string; marker: (home: string, fork: string) => string; recorded?: true }[] = [
  { name: 'its branch volume recorded', marker: (home, fork) => path.join(home, 'state', 'volumes', NS, `${fork}-data.json`) },
  { name: 'its memory being copied', marker: (home, fork) => path.join(home, 'machines', NS, fork, 'memory') },
  { name: 'its snapshot header written', marker: (home, fork) => path.join(home, 'machines', NS, fork, 'snapshot.meta') },
  { name: 'its app recorded', marker: (home, fork) => path.join(home, 'state', 'apps', NS, `${fork}.json`), recorded: true },
];

describe('lttled killed in the middle of app fork', function () {
  this.timeout(1_800_000);
  const rt = new TestRuntime('lttle-fork-crash-');
  const client = new RuntimeClient({ env: rt.env, autostart: false });
  let daemon: ChildProcess;
  let source: PsqlTarget;

  const restart = async () => {
    daemon = rt.startDaemon();
    await rt.waitForDaemon();
  };

  before(async () => {
    await restart();
    const { app } = seedDocuments();
    app.name = 'pg';
    app.namespace = NS;
    app.volumes[0].name = 'data';
    await deployInitialisedSeedVolume(rt, NS, 'data');
    const res = await rt.cli(['deploy', rt.writeFile('pg.yaml', documentsYaml({ app })), '--timeout', '900']);
    assert.equal(res.code, 0, res.stderr);
    source = hostPort((await client.getApp(NS, 'pg'))!.services[0].hostAddress);
    await psql(source, 'create table t (n int); insert into t select generate_series(1, 100)', 300_000);
  });

  after(async () => {
    daemon?.kill('SIGKILL');
    if (daemon?.pid) await waitForExit(daemon.pid);
    await rt.dispose();
  });

  for (const [i, point] of KILL_POINTS.entries()) {
    it(`leaves the fork whole or absent, and the source with its rows, when killed with ${point.name}`, async () => {
      const fork = `pr${i}`;
      await rt.waitForApp(NS, 'pg', { states: ['suspended'], timeoutMs: 300_000 });
      const marker = point.marker(rt.home, fork);
      const request = client.forkApp(NS, 'pg', { to: fork }).then(
        () => 'answered',
        (err: Error) => err.message,
      );
      const deadline = Date.now() + 120_000;
      while (!fs.existsSync(marker)) {
        assert.ok(Date.now() < deadline, `${marker} never appeared (the fork answered: ${await Promise.race([request, Promise.resolve('not yet')])})`);
        await new Promise((r) => setImmediate(r));
      }
      daemon.kill('SIGKILL');
      await waitForExit(daemon.pid!);
      await request;
      await restart();

      const app = await client.getApp(NS, fork);
      const dir = path.join(rt.home, 'machines', NS, fork);
      if (point.recorded) assert.ok(app, 'a fork recorded before the kill is there after it');
      if (app) {
        const volume = await client.getVolume(NS, `${fork}-data`);
        assert.equal(volume?.state, 'ready', `the fork's branch volume is there: ${volume?.state ?? 'gone'}`);
        assert.equal(await psql(hostPort(app.services[0].hostAddress), 'select count(*) from t', 300_000), '100', 'the fork answers with the rows');
        const logs = (await rt.cli(['machine', 'logs', '--ns', NS, fork])).stdout;
        assert.match(logs, /restored the machine from its persisted snapshot/, 'a recorded fork has its snapshot: it resumes, never boots');
        assert.doesNotMatch(logs, /cold boot/);
      } else {
        assert.equal(await client.getVolume(NS, `${fork}-data`), undefined, 'no branch volume without its fork');
        assert.ok(!fs.existsSync(dir), `no machine directory without its app: ${dir}`);
      }
      // Every layer a volume or snapshot uses exists, and no other.
      const used = new Set<string>();
      for (const v of await client.listVolumes(NS)) {
        for (const layer of storedVolume(rt.home, NS, v.spec.name).layers ?? []) used.add(layer);
        for (const s of await client.listVolumeSnapshots(NS, v.spec.name)) for (const layer of s.layers) used.add(layer);
      }
      assert.deepEqual(fs.readdirSync(path.join(rt.home, 'layers')).sort(), [...used].sort(), 'no stray layer');
      const apps = (await client.listApps(NS)).map((a) => a.spec.name);
      assert.deepEqual(fs.readdirSync(path.join(rt.home, 'machines', NS)).sort(), apps.sort(), 'a machine directory per app, no other');
      assert.equal(await psql(source, 'select count(*) from t', 300_000), '100', 'the source keeps its rows');
    });
  }
});
