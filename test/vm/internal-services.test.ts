// Issue 15, item 3: internal service names between apps. The seed's PostgreSQL
// (flash mode, `internal: {}`) and two small apps of the same image running
// `sleep`: one in the seed's namespace, one in another. Everything is asked
// from inside the guests with `lttle machine exec`, as an app would.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import type { AppStatus } from '../../schema/src/types';
import { hostPort } from '../support/psql';
import { TestRuntime, type CliResult } from '../support/runtime';
import { SEED_FILE, seedWith } from '../support/seed';
import { deployInitialisedSeedVolume } from '../support/seed-volume';

const SEED_NAME = 'postgresql-access.samples.svc.lttle.local';
/** A PostgreSQL SSLRequest: the server answers one byte, `N` or `S`. */
const SSL_REQUEST = '\\x00\\x00\\x00\\x08\\x04\\xd2\\x16\\x2f';

const CLIENTS = ['samples', 'other']
  .map(
    (ns) => `app:
  name: client
  namespace: ${ns}
  image: ghcr.io/lttle-cloud/postgres:17-flash
  command: [sleep, infinity]
  resources:
    cpu: 1
    memory: 128
`,
  )
  .join('---\n');

describe('internal services between apps', function () {
  this.timeout(1_800_000);
  const rt = new TestRuntime('lttle-svc-');
  const apiPort = 20000 + crypto.randomInt(20000);
  let seedHostPort = 0;

  /** Runs a shell command in a client app's guest. */
  const inClient = (namespace: string, script: string): Promise<CliResult> =>
    rt.cli(['machine', 'exec', '--ns', namespace, 'client', '-e', 'PGPASSWORD=password', '-e', 'PGCONNECT_TIMEOUT=60', '--', 'bash', '-c', script]);
  const query = (namespace: string, sql: string) => inClient(namespace, `psql -h ${SEED_NAME} -U user -d db -v ON_ERROR_STOP=1 -At -c '${sql}'`);
  /** Connects to the gateway by hand with `header` and sends an SSLRequest: the answer byte, or '' when the host closed it. */
  const rawHeader = (namespace: string, header: string) =>
    inClient(namespace, `exec 3<>/dev/tcp/10.0.2.100/1 || exit 9; printf '${header}\\n${SSL_REQUEST}' >&3; timeout 20 head -c1 <&3`);
  /** Whether a TCP connection from the guest to host:port succeeds. */
  const reachable = async (namespace: string, host: string, port: number) =>
    (await inClient(namespace, `timeout 10 bash -c 'exec 3<>/dev/tcp/${host}/${port}' && echo open || echo closed`)).stdout.trim();
  const seed = async () => (await rt.client.getApp('samples', 'postgresql')) as AppStatus;

  before(async () => {
    // A TCP API beside the unix socket, to show the guests cannot reach it.
    rt.env.LTTLE_LISTEN = `127.0.0.1:${apiPort}`;
    rt.env.LTTLE_TOKEN = crypto.randomBytes(24).toString('hex');
    await deployInitialisedSeedVolume(rt);
    const res = await rt.cli(['deploy', SEED_FILE, rt.writeFile('clients.lttle.yaml', CLIENTS)]);
    assert.equal(res.code, 0, res.stderr);
    for (const ns of ['samples', 'other']) await rt.waitForApp(ns, 'client', { states: ['ready'], timeoutMs: 600_000 });
    await rt.waitForApp('samples', 'postgresql', { states: ['suspended'], timeoutMs: 600_000 });
    seedHostPort = hostPort((await seed()).services[0].hostAddress).port;
  });

  after(() => rt.dispose());

  it("resolves the seed's internal name in its namespace and answers a query through it, waking the suspended database", async () => {
    const before = await seed();
    assert.equal(before.state, 'suspended');
    const hosts = await inClient('samples', `getent hosts ${SEED_NAME}`);
    assert.match(hosts.stdout, new RegExp(`^127\\.77\\.\\d+\\.\\d+\\s+${SEED_NAME.replace(/\./g, '\\.')}$`, 'm'), hosts.stderr);
    const res = await query('samples', 'select 40 + 2');
    assert.equal(res.stdout.trim(), '42', res.stderr);
    const after = await seed();
    assert.ok(after.flash!.resumeCount > before.flash!.resumeCount, 'the connection resumed the database');
  });

  it('lets an app listen on 0.0.0.0 on the port of a service it reaches by name', async () => {
    // The perl of Debian's perl-base; the listener stays open while psql asks the seed.
    const res = await inClient(
      'samples',
      `perl -MIO::Socket::INET -e 'my $l = IO::Socket::INET->new(LocalAddr => "0.0.0.0", LocalPort => 5432, Listen => 5, ReuseAddr => 1) or die "listen: $!\\n"; exit(system("psql", "-h", "${SEED_NAME}", "-U", "user", "-d", "db", "-At", "-c", "select 6 * 7") >> 8)'`,
    );
    assert.equal(res.stdout.trim(), '42', res.stderr);
  });

  it('counts an internal connection like an external one: the database stays awake while it is open', async () => {
    await rt.waitForApp('samples', 'postgresql', { states: ['suspended'], timeoutMs: 120_000 });
    const long = query('samples', 'select pg_sleep(8), 1');
    let seen: AppStatus['flash'] | undefined;
    for (const end = Date.now() + 120_000; Date.now() < end && !seen; await new Promise((r) => setTimeout(r, 300))) {
      const flash = (await seed()).flash;
      if (flash?.awake?.connections.some((c) => c.client === 'samples/client (internal)')) seen = flash;
    }
    assert.ok(seen, 'app get shows the internal connection of samples/client');
    assert.equal((await long).stdout.trim(), '|1');
  });

  it('wakes the database from deep suspend (qemu gone) through the internal name', async () => {
    for (const end = Date.now() + 300_000; !(await seed()).flash?.deep; await new Promise((r) => setTimeout(r, 1000))) {
      if (Date.now() > end) assert.fail('the seed did not deep-suspend');
    }
    const res = await query('samples', 'select count(*) from pg_database');
    assert.match(res.stdout.trim(), /^\d+$/, res.stderr);
    assert.ok(((await seed()).flash!.resumes?.deep?.count ?? 0) >= 1, 'resumed from deep suspend');
  });

  it('hides the service from another namespace until the service lists it', async () => {
    const hosts = await inClient('other', `getent hosts ${SEED_NAME}`);
    assert.notEqual(hosts.code, 0, 'the name does not resolve in namespace other');
    const res = await query('other', 'select 1');
    assert.notEqual(res.code, 0);
    assert.doesNotMatch(res.stdout, /^1$/m);

    const open = seedWith((app) => (app.expose.access.internal = { namespaces: ['other'] }));
    const deployed = await rt.cli(['deploy', rt.writeFile('postgresql.lttle.yaml', open)]);
    assert.equal(deployed.code, 0, deployed.stderr);
    let answer: CliResult | undefined;
    for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 1000))) {
      answer = await query('other', 'select 7 * 6');
      if (answer.code === 0) break;
    }
    assert.equal(answer?.stdout.trim(), '42', answer?.stderr);

    const closed = await rt.cli(['deploy', SEED_FILE]);
    assert.equal(closed.code, 0, closed.stderr);
    for (const end = Date.now() + 60_000; (await inClient('other', `getent hosts ${SEED_NAME}`)).code === 0; await new Promise((r) => setTimeout(r, 1000))) {
      if (Date.now() > end) assert.fail('the name still resolves in namespace other after the service stopped listing it');
    }
  });

  it("refuses a hand-written header naming a service of another namespace's view or a port that is not exposed", async () => {
    const good = await rawHeader('samples', `${SEED_NAME}:5432`);
    assert.match(good.stdout, /^[NS]$/, `the gateway serves a valid header (control): ${good.stderr}`);
    assert.equal((await rawHeader('other', `${SEED_NAME}:5432`)).stdout, '', 'namespace other may not reach the seed');
    assert.equal((await rawHeader('samples', `${SEED_NAME}:5433`)).stdout, '', 'port 5433 is not exposed');
    assert.equal((await rawHeader('samples', 'client-none.samples.svc.lttle.local:5432')).stdout, '', 'no such service');
  });

  it("cannot reach the host's loopback, the daemon's API or the seed's host port from a guest", async () => {
    assert.equal(await reachable('samples', '10.0.2.2', apiPort), 'closed', "the daemon's TCP API");
    assert.equal(await reachable('samples', '10.0.2.2', seedHostPort), 'closed', "the seed's service on the host's loopback");
    assert.equal(await reachable('samples', '10.0.2.100', 5432), 'closed', 'the gateway address serves one port only');
    // Control: the same probe does see the guest's own listener (the internal name's address).
    assert.equal(await reachable('samples', SEED_NAME, 5432), 'open');
  });

  it('serves the names again after the daemon restarts (guests booted again, the database restored on connect)', async () => {
    await rt.stopDaemon();
    // The next request starts the daemon again; it boots the clients it had stopped.
    for (const ns of ['samples', 'other']) await rt.waitForApp(ns, 'client', { states: ['ready'], timeoutMs: 600_000 });
    const res = await query('samples', 'select 40 + 2');
    assert.equal(res.stdout.trim(), '42', res.stderr);
    assert.notEqual((await inClient('other', `getent hosts ${SEED_NAME}`)).code, 0, 'still hidden from namespace other');
  });
});
