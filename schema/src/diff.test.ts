import * as assert from 'node:assert/strict';
import { changeRules, diffApp, diffVolume, REDEPLOY_FIELDS } from './diff';
import { normaliseApp } from './normalize';
import type { AppSpec, VolumeSpec } from './types';

const volume: VolumeSpec = { name: 'pgdata', namespace: 'samples', mode: 'writeable', size: 100 * 2 ** 20 };

function app(extra: Record<string, unknown> = {}): AppSpec {
  const result = normaliseApp({ name: 'pg', namespace: 'samples', image: 'ghcr.io/lttle-cloud/postgres:17-flash', environment: { A: '1' }, ...extra });
  assert.ok(result.ok);
  return result.spec;
}

describe('diff rules', () => {
  it('creates what does not exist', () => assert.equal(diffVolume(undefined, volume).action, 'create'));

  it('sees no change when nothing changed', () => {
    assert.equal(diffVolume(volume, { ...volume }).action, 'none');
    assert.equal(diffApp(app(), app()).action, 'none');
  });

  it('grows a volume in place', () => {
    const plan = diffVolume(volume, { ...volume, size: 2 ** 30 });
    assert.equal(plan.action, 'update');
    assert.deepEqual(plan.changes, [{ path: ['size'], kind: 'update', replace: false }]);
    assert.deepEqual(plan.errors, []);
  });

  it('refuses to shrink a volume', () => {
    const plan = diffVolume(volume, { ...volume, size: 50 * 2 ** 20 });
    assert.equal(plan.errors.length, 1);
    assert.deepEqual(plan.errors[0].path, ['size']);
    assert.match(plan.errors[0].message, /must not be smaller than the current 100Mi/);
  });

  it('replaces on a rename, deleting first', () => {
    const plan = diffVolume(volume, { ...volume, name: 'other' });
    assert.equal(plan.action, 'replace');
    assert.equal(plan.deleteBeforeReplace, true);
    const appPlan = diffApp(app(), app({ namespace: 'prod' }));
    assert.equal(appPlan.action, 'replace');
    assert.deepEqual(appPlan.changes.find((c) => c.replace)?.path, ['namespace']);
  });

  it('redeploys an app for image, environment, resources, command, args or volumes changes', () => {
    for (const change of [
      { image: 'other:1' },
      { environment: { A: '2' } },
      { resources: { cpu: 2 } },
      { command: ['sleep', '1'] },
      { args: ['--verbose'] },
      { volumes: [{ name: 'v', path: '/v' }] },
    ]) {
      const plan = diffApp(app(), app(change));
      assert.equal(plan.action, 'update', JSON.stringify(change));
      assert.equal(plan.redeploy, true, JSON.stringify(change));
    }
  });

  it('names the changed environment variable, not the whole map', () => {
    const plan = diffApp(app(), app({ environment: { A: '1', B: 'x' } }));
    assert.deepEqual(plan.changes, [{ path: ['environment', 'B'], kind: 'add', replace: false }]);
  });

  it('applies mode, expose, tags and restart policy without a redeploy', () => {
    for (const change of [
      { mode: { flash: { strategy: 'manual', timeout: 3 } } },
      { tags: ['x'] },
      { 'restart-policy': 'never' },
      { expose: { web: { port: 80 } } },
    ]) {
      const plan = diffApp(app(), app(change));
      assert.equal(plan.action, 'update', JSON.stringify(change));
      assert.equal(plan.redeploy, false, JSON.stringify(change));
    }
  });
});

describe('change rules from the schema', () => {
  it('reads identity, redeploy and grow fields from x-on-change', () => {
    assert.deepEqual(REDEPLOY_FIELDS, ['image', 'command', 'args', 'environment', 'resources', 'volumes']);
    const app = changeRules('app');
    assert.equal(app.name, 'replace');
    assert.equal(app.namespace, 'replace');
    assert.equal(app.expose, 'live');
    assert.equal(changeRules('volume').size, 'grow');
  });
});
