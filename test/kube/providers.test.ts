// The Pulumi and Terraform providers pointed at a cluster instead of one
// lttled: a real control plane (lttle cluster up) and one lttled node agent
// running real microVMs; the real Pulumi CLI on examples/pulumi-postgres with
// `lttle:kubeconfig`, then the real terraform binary on
// examples/terraform-postgres with `kubeconfig` in its provider block. Each
// engine boots PostgreSQL once. The password lives only in a Secret: never in
// the App object, a plan, an engine's output or the non-secret state.
import * as assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pluginVersion } from '../../provider/src/pulumi/server';
import { ControlPlane, kubeBinDir } from '../../runtime/src/kube/control-plane';
import { freePort } from '../../runtime/src/proxy/service-proxy';
import type { KubeClient } from '../../runtime/src/kube/kube-client';
import { packageRoot } from '../../schema/src/paths';
import { TerraformHarness } from '../fixtures/terraform/harness';
import { hostPort, psql } from '../support/psql';
import { installExample, localPulumiEnv } from '../support/pulumi-program';
import { TestRuntime } from '../support/runtime';
import { until } from '../support/until';

const NS = 'samples';
const GROUP = `/apis/lttle.dev/v1alpha1/namespaces/${NS}`;
const PULUMI_BIN = path.join(packageRoot(), 'build', 'pulumi', 'bin');
const PULUMI_PASSWORD = 'kube-pulumi-pw-41c7e2';
const PULUMI_PASSWORD_2 = 'kube-pulumi-pw-second-5e90aa';
const TF_PASSWORD = 'kube-tf-pw-9d02b6';

interface AppObject {
  spec: Record<string, unknown> & { environmentSecret?: string };
  status?: { state?: string; host?: string; endpoint?: string };
}

/** Every byte under dir, concatenated (state files, backups, history). */
function allText(dir: string): string {
  let text = '';
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) text += allText(p);
    else if (entry.isFile()) text += fs.readFileSync(p, 'latin1');
  }
  return text;
}

describe('Pulumi and Terraform against a cluster (kubeconfig instead of lttled)', function () {
  this.timeout(1_800_000);
  const clusterHome = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-kprov-'));
  const plane = new ControlPlane(path.join(clusterHome, 'cluster'));
  /** The home a provider would use for a local lttled: it must never start one there. */
  const userHome = path.join(clusterHome, 'user-home');
  let node: TestRuntime;
  let daemon: ChildProcess | undefined;
  let kube: KubeClient;

  const kubectl = (...args: string[]) => {
    const r = spawnSync(path.join(kubeBinDir(), 'kubectl'), ['--kubeconfig', plane.kubeconfig, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const appObject = async (name: string) => (await kube.request<AppObject>('GET', `${GROUP}/apps/${name}`)).body;
  const secretsOf = async (app: string) =>
    (await kube.call<{ items: { metadata: { name: string } }[] }>('GET', `/api/v1/namespaces/${NS}/secrets?labelSelector=lttle.dev%2Fenvironment-of%3D${app}`))
      .items;

  /** What a user checks after an up or apply: the App with its status, the password only in its Secret. */
  async function assertDeployed(password: string): Promise<AppObject> {
    const listed = kubectl('get', 'apps.lttle.dev', '-n', NS);
    assert.match(
      listed,
      /postgresql\s+ghcr\.io\/lttle-cloud\/postgres:17-flash\s+(ready|suspending|suspended|deep-suspended)\s+host-a\s+127\.0\.0\.1:\d+/,
      listed,
    );
    const app = await appObject('postgresql');
    assert.doesNotMatch(JSON.stringify(app), new RegExp(password), 'the password is not in the App object');
    assert.doesNotMatch(kubectl('get', 'apps.lttle.dev', 'postgresql', '-n', NS, '-o', 'yaml'), new RegExp(password));
    const secret = await kube.call<{ data: Record<string, string> }>('GET', `/api/v1/namespaces/${NS}/secrets/${app.spec.environmentSecret ?? 'none'}`);
    assert.equal(Buffer.from(secret.data.POSTGRES_PASSWORD, 'base64').toString(), password, 'the App names the Secret that holds the password');
    assert.equal((await kube.call<{ status?: { host?: string } }>('GET', `${GROUP}/volumes/pgdata`)).status?.host, 'host-a');
    return app;
  }

  /** After a destroy: no App, no Volume, no Secret in the cluster, and the volume's data gone from the host. */
  async function assertDestroyed(): Promise<void> {
    assert.equal((await kube.request('GET', `${GROUP}/apps/postgresql`)).status, 404);
    assert.equal((await kube.request('GET', `${GROUP}/volumes/pgdata`)).status, 404);
    assert.deepEqual(await secretsOf('postgresql'), []);
    await until('the host removed the volume', async () => ((await node.client.getVolume(NS, 'pgdata')) ? undefined : true), 60_000);
  }

  before(async () => {
    await plane.up();
    kube = await plane.client();
    node = new TestRuntime('lttle-kprov-host-a-');
    // The agent serves its API (volume snapshots are taken on the volume's host through it).
    Object.assign(node.env, {
      LTTLE_KUBECONFIG: plane.kubeconfig,
      LTTLE_NODE_NAME: 'host-a',
      LTTLE_NODE_CPUS: '3',
      LTTLE_LISTEN: `127.0.0.1:${await freePort()}`,
      LTTLE_TOKEN: 'kprov-agent-token-0123456789abcdef',
    });
    daemon = node.startDaemon();
    await until(
      'host-a Ready',
      async () => {
        const n = await kube.request<{ status?: { conditions?: { type: string; status: string }[] } }>('GET', '/api/v1/nodes/host-a');
        return n.body.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
      },
      60_000,
    );
  });

  after(async () => {
    daemon?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 2000));
    await node?.dispose();
    await plane.down();
    if (!process.env.LTTLE_KEEP_TEST_HOME) fs.rmSync(clusterHome, { recursive: true, force: true });
  });

  describe('pulumi (lttle:kubeconfig)', () => {
    let work: string;
    let env: NodeJS.ProcessEnv;
    let transcript = '';
    const run = (...args: string[]) => {
      const r = spawnSync(path.join(PULUMI_BIN, 'pulumi'), [...args, '--non-interactive'], { cwd: work, env, encoding: 'utf8', timeout: 20 * 60_000 });
      const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
      transcript += out;
      return { code: r.status ?? -1, out };
    };
    const pulumi = (...args: string[]) => {
      const r = run(...args);
      assert.equal(r.code, 0, `pulumi ${args.join(' ')} exited ${r.code}:\n${r.out}`);
      return r.out;
    };

    before(() => {
      if (!fs.existsSync(path.join(PULUMI_BIN, 'pulumi'))) throw new Error(`${PULUMI_BIN}/pulumi is missing: run \`make pulumi-cli\``);
      work = fs.mkdtempSync(path.join(clusterHome, 'pulumi-'));
      installExample('pulumi-postgres', work, pluginVersion());
      env = localPulumiEnv({ ...process.env, LTTLE_HOME: userHome, LTTLE_HOST: '', LTTLE_TOKEN: '' }, PULUMI_BIN, work, 'kprov-passphrase');
      pulumi('stack', 'init', 'cluster');
      pulumi('config', 'set', '--secret', 'postgresPassword', PULUMI_PASSWORD);
    });
    // Whatever a failed step left behind.
    after(() => work && run('stack', 'select', 'cluster').code === 0 && run('destroy', '--yes'));

    it('refuses host and kubeconfig together, and a kubeconfig that does not exist, naming the setting and the file', () => {
      pulumi('config', 'set', 'lttle:kubeconfig', plane.kubeconfig);
      pulumi('config', 'set', 'lttle:host', 'http://127.0.0.1:7878');
      const both = run('preview');
      assert.notEqual(both.code, 0);
      assert.match(both.out, /host and kubeconfig are exclusive/, both.out);
      pulumi('config', 'rm', 'lttle:host');
      pulumi('config', 'set', 'lttle:kubeconfig', path.join(clusterHome, 'no-such-kubeconfig'));
      const missing = run('preview');
      assert.notEqual(missing.code, 0);
      assert.match(missing.out, /kubeconfig .*no-such-kubeconfig does not exist/, missing.out);
      pulumi('config', 'set', 'lttle:kubeconfig', plane.kubeconfig);
    });

    it('up creates the Volume and the App in the cluster; the node agent runs PostgreSQL with the password from the Secret', async () => {
      const preview = pulumi('preview');
      assert.match(preview, /\+ 3 to create/, preview);
      assert.equal((await kube.request('GET', `${GROUP}/apps/postgresql`)).status, 404, 'a preview creates nothing');
      pulumi('up', '--yes');
      await assertDeployed(PULUMI_PASSWORD);
      const hostAddress = pulumi('stack', 'output', 'hostAddress').trim();
      assert.equal(await psql({ ...hostPort(hostAddress), password: PULUMI_PASSWORD }, 'select 1', 180_000), '1');
      assert.equal(fs.existsSync(path.join(userHome, 'lttled.sock')), false, 'no local lttled was started');
    });

    it('a refresh reads the same app back and the next preview is empty; the password is in no output and only encrypted in the state', () => {
      const refresh = pulumi('refresh', '--yes');
      assert.doesNotMatch(refresh, /deleted/, refresh);
      pulumi('preview', '--expect-no-changes');
      assert.ok(!allText(path.join(work, 'state')).includes(PULUMI_PASSWORD), 'the password is in clear in the state');
      assert.ok(!transcript.includes(PULUMI_PASSWORD), 'the password reached pulumi output');
    });

    it('a new password updates the app in place: a new Secret, the App’s generation moves, up returns once the agent ran it; the old Secret is gone', async () => {
      const before = await kube.call<{ metadata: { generation: number }; spec: { environmentSecret: string } }>('GET', `${GROUP}/apps/postgresql`);
      pulumi('config', 'set', '--secret', 'postgresPassword', PULUMI_PASSWORD_2);
      const up = pulumi('up', '--yes');
      assert.match(up, /~\s+lttle:index:App\s+postgresql\s+update/, up);
      assert.doesNotMatch(up, /replace/, up);
      const after = await kube.call<{
        metadata: { generation: number };
        spec: { environmentSecret: string };
        status: { observedGeneration: number; state: string };
      }>('GET', `${GROUP}/apps/postgresql`);
      assert.ok(after.metadata.generation > before.metadata.generation, 'the App changed with its Secret');
      assert.equal(after.status.observedGeneration, after.metadata.generation, 'up waited for the agent to act on the new generation');
      assert.notEqual(after.spec.environmentSecret, before.spec.environmentSecret);
      await assertDeployed(PULUMI_PASSWORD_2);
      assert.deepEqual(
        (await secretsOf('postgresql')).map((x) => x.metadata.name),
        [after.spec.environmentSecret],
        'only the current Secret is left',
      );
      pulumi('preview', '--expect-no-changes');
      assert.ok(!transcript.includes(PULUMI_PASSWORD_2) && !allText(path.join(work, 'state')).includes(PULUMI_PASSWORD_2));
    });

    it('destroy removes the App, the Volume and the Secret', async () => {
      pulumi('destroy', '--yes');
      await assertDestroyed();
    });
  });

  describe('terraform (kubeconfig in the provider block)', () => {
    let h: TerraformHarness;
    const providerBlock = (body: string) => fs.writeFileSync(path.join(h.work, 'provider.tf'), `provider "lttle" {\n${body}\n}\n`);

    before(() => {
      h = new TerraformHarness('examples/terraform-postgres');
      Object.assign(h.env, { TF_VAR_postgres_password: TF_PASSWORD, LTTLE_HOME: userHome });
      h.ok(['init', '-input=false']);
    });
    after(async () => h && (await h.destroyAndCleanup()));

    it('refuses host and kubeconfig together, and a missing context, at plan time naming the attribute', () => {
      providerBlock(`  kubeconfig = ${JSON.stringify(plane.kubeconfig)}\n  host = "http://127.0.0.1:7878"`);
      const both = h.terraform('plan', '-input=false');
      assert.notEqual(both.code, 0);
      assert.match(both.stderr, /host and kubeconfig are exclusive/, both.stderr);
      // terraform points at the attribute the diagnostic names, quoting its line.
      assert.match(both.stderr, /host = "http:\/\/127\.0\.0\.1:7878"/, both.stderr);
      providerBlock(`  kubeconfig = ${JSON.stringify(plane.kubeconfig)}\n  context = "elsewhere"`);
      const context = h.terraform('plan', '-input=false');
      assert.notEqual(context.code, 0);
      assert.match(context.stderr, /no context "elsewhere"/, context.stderr);
      providerBlock(`  kubeconfig = ${JSON.stringify(plane.kubeconfig)}`);
    });

    it('apply creates the Volume and the App; the password is in no plan and not in the state; a second plan is empty', async () => {
      const plan = h.ok(['plan', '-input=false', '-out=cluster.tfplan']);
      assert.match(plan.stdout, /Plan: 2 to add/, plan.stdout);
      assert.doesNotMatch(plan.stdout + plan.stderr + h.ok(['show', '-json', 'cluster.tfplan']).stdout, new RegExp(TF_PASSWORD));
      h.ok(['apply', '-auto-approve', '-input=false']);
      await assertDeployed(TF_PASSWORD);
      const address = (JSON.parse(h.ok(['output', '-json']).stdout) as { host_address: { value: string } }).host_address.value;
      // The fresh volume has this password: the one Pulumi made went with its destroy.
      assert.equal(await psql({ ...hostPort(address), password: TF_PASSWORD }, 'select 1', 180_000), '1');
      h.ok(['plan', '-detailed-exitcode', '-input=false'], 0);
      assert.doesNotMatch(fs.readFileSync(path.join(h.work, 'terraform.tfstate'), 'utf8'), new RegExp(TF_PASSWORD));
      assert.equal(fs.existsSync(path.join(userHome, 'lttled.sock')), false, 'no local lttled was started');
    });

    it('a lttle_volume_snapshot is taken on the volume’s host through its agent; the next plan is empty', async () => {
      fs.writeFileSync(
        path.join(h.work, 'snapshot.tf'),
        'resource "lttle_volume_snapshot" "before" {\n  name      = "before"\n  namespace = lttle_volume.pgdata.namespace\n  volume    = lttle_volume.pgdata.name\n}\n',
      );
      h.ok(['apply', '-auto-approve', '-input=false']);
      assert.deepEqual(
        (await node.client.listVolumeSnapshots(NS, 'pgdata')).map((s) => s.name),
        ['before'],
      );
      h.ok(['plan', '-detailed-exitcode', '-input=false'], 0);
    });

    it('destroy removes the snapshot, the App, the Volume and the Secret', async () => {
      h.ok(['destroy', '-auto-approve', '-input=false']);
      await assertDestroyed();
    });
  });
});
