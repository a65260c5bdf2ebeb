import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidError } from '../../../schema/src/errors';
import { ClusterRuntime } from './cluster-runtime';

describe('ClusterRuntime: what a cluster cannot do is refused before the cluster is asked', () => {
  // Nothing listens there: asking the cluster would fail as unreachable, not as invalid.
  const kubeconfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-cluster-runtime-')), 'kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n'),
  );
  after(() => fs.rmSync(path.dirname(kubeconfig), { recursive: true, force: true }));

  it('refuses an app with fork-of, naming the field, instead of letting the API server drop it', async () => {
    const runtime = new ClusterRuntime(kubeconfig);
    const app = { name: 'pr-1', namespace: 'samples', image: 'ghcr.io/lttle-cloud/postgres:17-flash', 'fork-of': 'postgresql' };
    await assert.rejects(runtime.applyAppAndWait(app, { timeoutMs: 1000 }), (err: Error) => {
      assert.ok(err instanceof InvalidError, `${err.name}: ${err.message}`);
      assert.match(err.message, /^invalid app samples\/pr-1: fork-of is not supported on a cluster yet/);
      assert.deepEqual(
        err.issues.map((i) => i.path),
        [['fork-of']],
      );
      return true;
    });
  });

  it('refuses a volume from a snapshot, naming the field: the snapshot is on another volume’s host', async () => {
    const runtime = new ClusterRuntime(kubeconfig);
    const volume = { name: 'restored', namespace: 'samples', size: '100Mi', 'from-snapshot': 'pgdata/before' };
    await assert.rejects(runtime.applyVolumeAndWait(volume, { timeoutMs: 1000 }), (err: Error) => {
      assert.ok(err instanceof InvalidError, `${err.name}: ${err.message}`);
      assert.match(err.message, /^invalid volume samples\/restored: from-snapshot is not supported on a cluster yet/);
      assert.deepEqual(
        err.issues.map((i) => i.path),
        [['from-snapshot']],
      );
      return true;
    });
  });
});
