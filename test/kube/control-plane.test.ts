// The control plane of `lttle cluster up` (real etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler from make kube) and the Volume
// and App custom resources generated from the JSON Schemas: the API server
// itself refuses a bad resource, naming the field, and prints the columns of
// `lttle app list`.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ControlPlane } from '../../runtime/src/kube/control-plane';
import type { KubeClient, KubeStatus } from '../../runtime/src/kube/kube-client';

const APPS = '/apis/lttle.dev/v1alpha1/namespaces/default/apps';
const VOLUMES = '/apis/lttle.dev/v1alpha1/namespaces/default/volumes';
const CLI = path.join(__dirname, '..', '..', 'runtime', 'src', 'cli', 'main.js');

const app = (spec: Record<string, unknown>, name = 'postgresql') => ({ apiVersion: 'lttle.dev/v1alpha1', kind: 'App', metadata: { name }, spec });

describe('control plane on loopback (lttle cluster up)', function () {
  this.timeout(300_000);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-kube-'));
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, LTTLE_HOME: home } });
  let client: KubeClient;

  before(async () => {
    const up = cli('cluster', 'up', '--output', 'json');
    assert.equal(up.status, 0, up.stderr);
    assert.equal(up.stderr, '', 'no progress without a terminal');
    const info = JSON.parse(up.stdout) as { kubeconfig: string; server: string };
    const config = parse(fs.readFileSync(info.kubeconfig, 'utf8')) as { clusters: { cluster: { server: string } }[] };
    assert.equal(config.clusters[0].cluster.server, info.server);
    client = await new ControlPlane(path.join(home, 'cluster')).client();
  });

  after(() => {
    const down = cli('cluster', 'down');
    assert.equal(down.status, 0, down.stderr);
    assert.notEqual(cli('cluster', 'status').status, 0, 'status says it stopped');
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('runs the controller manager: the default service account appears', async () => {
    const deadline = Date.now() + 60_000;
    let status = 0;
    while (Date.now() < deadline && (status = (await client.request('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status) !== 200)
      await new Promise((r) => setTimeout(r, 500));
    assert.equal(status, 200);
  });

  it('refuses bad Apps and Volumes in the API server, naming the field', async () => {
    const cases: [string, string, unknown, RegExp][] = [
      [APPS, 'memory too small', app({ image: 'postgres:17-flash', resources: { memory: 16 } }), /spec\.resources\.memory.*64/],
      [APPS, 'path segment ..', app({ image: 'postgres:17-flash', volumes: [{ name: 'pgdata', path: '/var/../etc' }] }), /spec\.volumes\[0\]\.path/],
      [APPS, 'unknown field', app({ image: 'postgres:17-flash', imag: 'x' }), /unknown field "spec\.imag"/],
      [APPS, 'two modes', app({ image: 'postgres:17-flash', mode: { regular: {}, flash: {} } }), /spec\.mode/],
      [APPS, 'bad service name', app({ image: 'postgres:17-flash', expose: { 'a--b': { port: 5432 } } }), /spec\.expose.*every key must be/],
      [
        APPS,
        'environment in the object',
        app({ image: 'postgres:17-flash', environment: { POSTGRES_PASSWORD: 'hunter2' } }),
        /unknown field "spec\.environment"/,
      ],
      [VOLUMES, 'bad size', { apiVersion: 'lttle.dev/v1alpha1', kind: 'Volume', metadata: { name: 'pgdata' }, spec: { size: '10XB' } }, /spec\.size/],
    ];
    for (const [collection, label, body, expected] of cases) {
      const res = await client.request<KubeStatus>('POST', `${collection}?fieldValidation=Strict`, body);
      assert.ok(res.status === 422 || res.status === 400, `${label}: HTTP ${res.status}`);
      assert.match(res.body.message ?? '', expected, label);
      assert.doesNotMatch(JSON.stringify(res.body), /hunter2/, `${label}: no secret echoed`);
    }
  });

  it('accepts the seed app, fills the schema defaults and prints the columns of lttle app list', async () => {
    await client.call(
      'POST',
      `${APPS}?fieldValidation=Strict`,
      app({ image: 'ghcr.io/lttle-cloud/postgres:17-flash', environmentSecret: 'pg-env', mode: { flash: {} } }),
    );
    const stored = await client.call<{ spec: { mode: { flash: { strategy: unknown; timeout: number; deepSuspendAfter: number } }; restartPolicy: string } }>(
      'GET',
      `${APPS}/postgresql`,
    );
    assert.deepEqual(stored.spec.mode.flash, { strategy: { firstListen: {} }, timeout: 10, deepSuspendAfter: 60 });
    assert.equal(stored.spec.restartPolicy, 'always');
    const table = await client.request<{ columnDefinitions: { name: string }[] }>('GET', APPS, undefined, {
      Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    assert.deepEqual(
      table.body.columnDefinitions.map((c) => c.name),
      ['Name', 'Image', 'State', 'Host', 'Endpoint', 'Suspended', 'Age'],
    );
  });

  it('takes the seed file with lttle deploy --kubeconfig: the environment in a Secret, the apps listed like lttle app list', async () => {
    const kubeconfig = path.join(home, 'cluster', 'kubeconfig');
    const seed = path.join(__dirname, '..', '..', '..', '..', 'examples', 'postgres', 'postgresql.lttle.yaml');
    const deploy = cli('deploy', seed, '--kubeconfig', kubeconfig, '--no-wait');
    assert.equal(deploy.status, 0, deploy.stderr);
    assert.match(deploy.stdout, /Successfully deployed volume: samples\/pgdata\nSuccessfully deployed app: samples\/postgresql/);
    const stored = await client.call<{ spec: Record<string, unknown> }>('GET', '/apis/lttle.dev/v1alpha1/namespaces/samples/apps/postgresql');
    assert.equal(stored.spec.environmentSecret, 'postgresql-env');
    assert.doesNotMatch(JSON.stringify(stored), /password/);
    const secret = await client.call<{ data: Record<string, string> }>('GET', '/api/v1/namespaces/samples/secrets/postgresql-env');
    assert.equal(Buffer.from(secret.data.POSTGRES_PASSWORD, 'base64').toString(), 'password');
    const list = cli('app', 'list', '--ns', 'samples', '--kubeconfig', kubeconfig);
    assert.equal(list.status, 0, list.stderr);
    assert.match(
      list.stdout,
      /^NAMESPACE +NAME +IMAGE +MODE +STATE +HOST +ENDPOINT\nsamples +postgresql +ghcr.io\/lttle-cloud\/postgres:17-flash +flash +- +- +-\n$/,
    );
    const missing = cli('app', 'get', 'nope', '--kubeconfig', kubeconfig);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /app default\/nope not found in the cluster/);
  });
});
