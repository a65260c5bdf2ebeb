import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Plan } from '../../../../schema/src/diff';
import { FailedError } from '../../../../schema/src/errors';
import type { AppSpec, AppStatus, VolumeSpec, VolumeStatus } from '../../../../schema/src/types';
import type { ApplyResult, LogLine, RawResource, WaitOptions } from '../../client/api';
import { parseArgs } from '../args';
import { CliError } from '../context';
import { deploy, runDeploy } from './deploy';
import type { DeployClient, DeployContext } from './deploy-apps';

const PLAN: Plan = { action: 'create', changes: [], deleteBeforeReplace: false, redeploy: false, errors: [] };
const STAMP = { generation: 1, observedGeneration: 0, createdAt: '', updatedAt: '' };

/**
 * A runtime in memory. Each app's wait ends only once every app's wait has
 * begun (or fails after `overlapMs`): a deploy that waits for one app before
 * applying the next never gets past its first app.
 */
class FakeRuntime implements DeployClient {
  readonly events: string[] = [];
  private readonly begun = new Set<string>();
  private allBegun!: () => void;
  private readonly everyWaitBegun = new Promise<void>((resolve) => (this.allBegun = resolve));

  constructor(
    private readonly apps: string[],
    private readonly outcome: (name: string) => Promise<void> = () => Promise.resolve(),
    private readonly overlapMs = 1000,
  ) {}

  applyVolume(spec: VolumeSpec | RawResource, options: { dryRun?: boolean } = {}): Promise<ApplyResult<VolumeStatus>> {
    if (!options.dryRun) this.events.push(`apply volume ${spec.name}`);
    return Promise.resolve({ status: { spec: spec as VolumeSpec, state: 'ready', sizeBytes: 0, ...STAMP }, plan: PLAN });
  }

  applyApp(spec: AppSpec | RawResource, options: { dryRun?: boolean } = {}): Promise<ApplyResult<AppStatus>> {
    if (!options.dryRun) this.events.push(`apply app ${spec.name}`);
    return Promise.resolve({ status: { spec: spec as AppSpec, state: 'booting', services: [], ...STAMP }, plan: PLAN });
  }

  getVolume(): Promise<VolumeStatus | undefined> {
    return Promise.resolve(undefined);
  }

  listVolumes(): Promise<VolumeStatus[]> {
    return Promise.resolve([]);
  }

  async waitSettled<S extends VolumeStatus | AppStatus>(_kind: 'volume' | 'app', accepted: S, _options: WaitOptions<S>): Promise<S> {
    const name = accepted.spec.name;
    this.events.push(`wait ${name}`);
    this.begun.add(name);
    if (this.apps.every((app) => this.begun.has(app))) this.allBegun();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new FailedError(`app ${name}: the other apps' waits did not begin while it waited`)), this.overlapMs);
    });
    try {
      await Promise.race([this.everyWaitBegun, late]);
    } finally {
      clearTimeout(timer);
    }
    await this.outcome(name);
    this.events.push(`settled ${name}`);
    return { ...accepted, state: 'ready', observedGeneration: accepted.generation };
  }

  logs(_namespace: string, name: string, _options: unknown, onLine: (line: LogLine) => void): Promise<void> {
    onLine({ time: '', stream: 'stderr', line: `${name} log line` });
    return Promise.resolve();
  }
}

describe('cli: lttle deploy of several apps', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-deploy-'));
  const host = process.env.LTTLE_HOST;
  // A remote runtime resolves images itself: the command then leaves the local image store alone.
  before(() => (process.env.LTTLE_HOST = 'http://127.0.0.1:1'));
  after(() => {
    if (host === undefined) delete process.env.LTTLE_HOST;
    else process.env.LTTLE_HOST = host;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function file(apps: string[]): string {
    const app = (name: string) => `app:\n  name: ${name}\n  namespace: t\n  image: example/${name}:1\n  volumes:\n    - name: data\n      path: /data\n`;
    const text = [...apps.map(app), 'volume:\n  name: data\n  namespace: t\n  size: 1Gi\n'].join('---\n');
    const target = path.join(dir, `${apps.join('-')}.lttle.yaml`);
    fs.writeFileSync(target, text);
    return target;
  }

  function context(client: DeployClient, target: string): DeployContext & { lines: string[] } {
    const lines: string[] = [];
    const args = parseArgs(deploy, [target]);
    return { args, client, format: 'text', out: (t) => lines.push(t), err: () => undefined, confirm: () => Promise.resolve(false), lines };
  }

  it('waits for the apps together, after the volume they mount, and reports them in file order', async () => {
    // b settles before a: the output still follows the file.
    const runtime = new FakeRuntime(['a', 'b'], (name) => new Promise((resolve) => setTimeout(resolve, name === 'a' ? 30 : 0)));
    const ctx = context(runtime, file(['a', 'b']));
    await runDeploy(ctx);
    const at = (event: string) => runtime.events.indexOf(event);
    assert.ok(at('apply volume data') < at('apply app a') && at('apply volume data') < at('apply app b'), runtime.events.join(', '));
    assert.ok(Math.max(at('wait a'), at('wait b')) < Math.min(at('settled a'), at('settled b')), runtime.events.join(', '));
    assert.deepEqual(ctx.lines, ['Successfully deployed volume: t/data', 'Successfully deployed app: t/a', 'Successfully deployed app: t/b']);
  });

  it('reports every app that failed, in file order, deploys the others and fails the command', async () => {
    const runtime = new FakeRuntime(['a', 'b', 'c'], (name) =>
      name === 'b' ? Promise.resolve() : Promise.reject(new FailedError(`app t/${name} is error: ${name} crashed`)),
    );
    const ctx = context(runtime, file(['a', 'b', 'c']));
    const err = await runDeploy(ctx).then(
      () => assert.fail('expected the deploy to fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CliError && err.exitCode !== 0, String(err));
    assert.equal(
      err.message,
      'app t/a is error: a crashed\nlast log lines of t/a:\n  a log line\napp t/c is error: c crashed\nlast log lines of t/c:\n  c log line',
    );
    assert.deepEqual(ctx.lines, ['Successfully deployed volume: t/data', 'Successfully deployed app: t/b']);
  });
});
