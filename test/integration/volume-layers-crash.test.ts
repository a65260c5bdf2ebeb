// lttled killed with SIGKILL in the middle of a burst of layer steps
// (snapshots, restores, grows that flatten a chain): after a restart every
// volume is whole: its record names files that exist, its chain reads as a
// clean ext4 of the recorded size, every snapshot's layers exist, and no layer
// is left that nothing uses.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntimeClient } from '../../runtime/src/client/client';
import { dumpe2fsBytes, fsckClean } from '../support/ext4';
import { TestRuntime, waitForExit } from '../support/runtime';
import { chainAsRaw, readExt4File, storedVolume, writeExt4File } from '../support/volume-chain';

const VOLUMES = ['a', 'b', 'c'];

describe('lttled crash safety of volume layers', function () {
  this.timeout(300_000);
  let rt: TestRuntime;
  beforeEach(() => {
    rt = new TestRuntime();
  });
  afterEach(() => rt.dispose());

  for (const killAfter of [0, 3, 7, 11]) {
    it(`leaves whole volumes and no stray layer when killed after ${killAfter} of 24 layer steps`, async () => {
      rt.env.LTTLE_MAX_LAYERS = '3';
      const daemon = rt.startDaemon();
      await rt.waitForDaemon();
      const client = new RuntimeClient({ env: rt.env, autostart: false });
      for (const name of VOLUMES) {
        await client.applyVolume({ name, size: '16Mi' });
        writeExt4File(storedVolume(rt.home, 'default', name).file, 'mark', `volume ${name}`);
        await client.createVolumeSnapshot('default', name, 'base');
      }
      let finished = 0;
      // Each volume's steps run in order (as a user would issue them); the volumes run side by side.
      const burst = VOLUMES.map(async (name) => {
        for (let i = 0; i < 8; i++) {
          const step =
            i % 4 === 3
              ? client.applyVolume({ name, size: `${17 + i}Mi` })
              : i % 4 === 2
                ? client.restoreVolumeSnapshot('default', name, 'base')
                : client.createVolumeSnapshot('default', name, `s${i}`);
          const ok = await step.then(
            () => true,
            () => false,
          );
          if (!ok) return;
          finished++;
        }
      });
      while (finished < killAfter) await new Promise((r) => setTimeout(r, 2));
      daemon.kill('SIGKILL');
      await waitForExit(daemon.pid!);
      await Promise.all(burst);

      const restarted = rt.startDaemon();
      await rt.waitForDaemon();
      const used = new Set<string>();
      const owned = new Set<string>();
      for (const name of VOLUMES) {
        const status = await client.getVolume('default', name);
        assert.equal(status?.state, 'ready', `${name} is ${status?.state}: ${status?.message ?? ''}`);
        const record = storedVolume(rt.home, 'default', name);
        assert.equal(record.pending, undefined, `${name} has no step left half done`);
        owned.add(path.basename(record.file));
        for (const layer of record.layers ?? []) used.add(layer);
        const view = chainAsRaw(rt.home, 'default', name);
        assert.ok(fsckClean(view), `${name}'s chain is a clean ext4`);
        assert.equal(dumpe2fsBytes(view), status?.sizeBytes, `${name}'s size matches its record`);
        assert.equal(readExt4File(view, 'mark'), `volume ${name}`, `${name} keeps its data`);
        for (const snapshot of await client.listVolumeSnapshots('default', name)) for (const layer of snapshot.layers) used.add(layer);
      }
      const layers = fs.readdirSync(path.join(rt.home, 'layers')).sort();
      assert.deepEqual(layers, [...used].sort(), 'every layer in use exists and no other is left');
      assert.deepEqual(fs.readdirSync(path.join(rt.home, 'volumes', 'default')).sort(), [...owned].sort(), 'no stray volume file');
      // The runtime keeps working: a snapshot restores after recovery.
      await client.restoreVolumeSnapshot('default', 'a', 'base');
      assert.equal(readExt4File(chainAsRaw(rt.home, 'default', 'a'), 'mark'), 'volume a');
      restarted.kill('SIGTERM');
      await waitForExit(restarted.pid!);
    });
  }
});
