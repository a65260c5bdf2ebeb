// lttled killed with SIGKILL in the middle of a burst of volume operations:
// after a restart, the state matches the files on disk.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntimeClient } from '../runtime/src/client/client';
import { dumpe2fsBytes, fsckClean } from './support/ext4';
import { TestRuntime, waitForExit } from './support/runtime';

describe('lttled crash safety', function () {
  this.timeout(300_000);
  let rt: TestRuntime;
  beforeEach(() => {
    rt = new TestRuntime();
  });
  afterEach(() => rt.dispose());

  for (const killAfter of [0, 5, 12]) {
    it(`keeps state and files consistent when killed after ${killAfter} of 30 burst operations`, async () => {
      const daemon = rt.startDaemon();
      await rt.waitForDaemon();
      const client = new RuntimeClient({ env: rt.env, autostart: false });
      // Some volumes exist before the burst, so the burst grows and deletes too.
      for (let i = 0; i < 4; i++) await client.applyVolume({ name: `v${i}`, size: '8Mi' });
      let finished = 0;
      const burst: Promise<unknown>[] = [];
      for (let i = 0; i < 30; i++) {
        const name = `v${i % 10}`;
        const op = i % 3 === 0 ? client.deleteVolume('default', name) : client.applyVolume({ name, size: `${16 + 4 * i}Mi` });
        burst.push(
          op.then(
            () => finished++,
            () => undefined,
          ),
        );
      }
      while (finished < killAfter) await new Promise((r) => setTimeout(r, 2));
      daemon.kill('SIGKILL');
      const finishedBeforeKill = finished;
      await waitForExit(daemon.pid!);
      await Promise.all(burst);
      assert.ok(finishedBeforeKill < burst.length, 'the kill interrupted the burst');

      const restarted = rt.startDaemon();
      await rt.waitForDaemon();
      const volumes = await client.listVolumes();
      const dir = path.join(rt.home, 'volumes', 'default');
      const files = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
      assert.deepEqual(files, volumes.map((v) => `${v.spec.name}.ext4`).sort(), 'every file has a record and every record a file');
      for (const v of volumes) {
        assert.equal(v.state, 'ready', `${v.spec.name} is ${v.state}`);
        const file = path.join(dir, `${v.spec.name}.ext4`);
        assert.ok(fsckClean(file), `${v.spec.name} passes e2fsck -fn`);
        assert.equal(dumpe2fsBytes(file), v.sizeBytes, `${v.spec.name} size matches its record`);
        assert.equal(v.sizeBytes, v.spec.size, `${v.spec.name} has the size its spec says`);
      }
      // The runtime keeps working after recovery.
      await client.applyVolume({ name: 'after', size: '4Mi' });
      assert.ok(fsckClean(path.join(dir, 'after.ext4')));
      restarted.kill('SIGTERM');
      await waitForExit(restarted.pid!);
    });
  }
});
