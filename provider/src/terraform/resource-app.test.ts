import * as assert from 'node:assert/strict';
import type { WaitOptions } from '../../../runtime/src/client/api';
import type { RuntimeClient } from '../../../runtime/src/client/client';
import { ConflictError, TimeoutError } from '../../../schema/src/errors';
import { schemaDefault } from '../../../schema/src/fields';
import { normaliseApp } from '../../../schema/src/normalize';
import type { AppSpec, AppStatus } from '../../../schema/src/types';
import { isUnknown, unknown, type CtyObject } from './cty';
import { appResource } from './resource-app';
import { appBody, canonical, toPath } from './resource-app-model';
import { resourceSchema } from './schema-gen';

/** The schema's defaults: the tests do not repeat them. */
const FLASH = {
  strategy: schemaDefault<string>('app', ['mode', 'flash', 'strategy']),
  timeout: schemaDefault<number>('app', ['mode', 'flash', 'timeout']),
  deep_suspend_after: schemaDefault<number>('app', ['mode', 'flash', 'deep-suspend-after']),
};
const CPU = schemaDefault<number>('app', ['resources', 'cpu']);
const MEMORY = schemaDefault<number>('app', ['resources', 'memory']);

function app(values: CtyObject): CtyObject {
  return { ...Object.fromEntries(resourceSchema('app').attributes.map((a) => [a.name, null])), ...values };
}

const seed = app({
  name: 'postgresql',
  namespace: 'samples',
  image: 'ghcr.io/lttle-cloud/postgres:17-flash',
  resources: { cpu: 1, memory: 256 },
  mode: { flash: { strategy: 'manual', timeout: 3, deep_suspend_after: 60 } },
  environment: { POSTGRES_USER: 'user', POSTGRES_DB: 'db' },
  secret_environment: { POSTGRES_PASSWORD: 'password' },
  volumes: [{ name: 'pgdata', namespace: null, path: '/var/lib/postgresql/data' }],
  expose: { access: { port: 5432, internal: { port: null, namespaces: null }, external: null, connection_tracking: null } },
});
const prior: CtyObject = { ...seed, id: 'samples/postgresql', state: 'suspended', generation: 1, services: {} };

describe('terraform lttle_app', () => {
  it('plans the defaults of nested attributes the config leaves out (so an import of a minimal config matches)', () => {
    const config = { ...seed, resources: null, mode: { flash: { strategy: null, timeout: null } } };
    const planned = appResource.plan({ prior: null, proposed: config, config }).planned!;
    assert.deepEqual(planned.resources, { cpu: CPU, memory: MEMORY });
    assert.deepEqual(planned.mode, { flash: FLASH });
    // Removing cpu from the config goes back to the default, not the prior value.
    const was = { ...prior, resources: { cpu: 2, memory: 512 } };
    const back = appResource.plan({ prior: was, proposed: was, config: { ...seed, resources: { cpu: null, memory: 512 } } }).planned!;
    assert.deepEqual(back.resources, { cpu: CPU, memory: 512 });
  });

  it('an imported state (write-only keys filed as secret_environment) plans no redeploy when the config moves them to secret_environment_wo', () => {
    const imported: CtyObject = {
      ...prior,
      environment: null,
      secret_environment: { POSTGRES_USER: 'user', POSTGRES_DB: 'db', POSTGRES_PASSWORD: 'password' },
    };
    const config = { ...seed, secret_environment: null, secret_environment_wo: { POSTGRES_PASSWORD: 'password' }, secret_environment_wo_version: 1 };
    const proposed = { ...imported, ...config, id: imported.id, state: imported.state, generation: imported.generation, services: imported.services };
    const planned = appResource.plan({ prior: imported, proposed, config }).planned!;
    assert.deepEqual(planned.services, {}, 'services stay known: no redeploy');
    assert.equal(planned.secret_environment_wo, null);
  });

  it('refuses a key set in two environment attributes, without quoting values', () => {
    const diags = appResource.validate({ ...seed, secret_environment: { POSTGRES_DB: 'hunter2' } });
    assert.match(diags[0].detail, /POSTGRES_DB is set in more than one/);
    assert.doesNotMatch(JSON.stringify(diags), /hunter2/);
  });

  it('imports every environment variable as secret (sensitive) when nothing says otherwise', () => {
    const result = normaliseApp(appBody(seed).body);
    assert.ok(result.ok);
    const imported = canonical(result.spec);
    assert.equal(imported.environment, null);
    assert.deepEqual(imported.secret_environment, { POSTGRES_USER: 'user', POSTGRES_DB: 'db', POSTGRES_PASSWORD: 'password' });
  });

  it('round-trips deep_suspend_after (0 = never); state shows the default when the spec leaves it out', () => {
    const config = { ...seed, mode: { flash: { strategy: 'manual', timeout: 3, deep_suspend_after: 0 } } };
    const result = normaliseApp(appBody(config).body);
    assert.ok(result.ok);
    assert.deepEqual(result.spec.mode, { flash: { strategy: 'manual', timeout: 3, 'deep-suspend-after': 0 } });
    assert.deepEqual(canonical(result.spec).mode, { flash: { strategy: 'manual', timeout: 3, deep_suspend_after: 0 } });
    const plain = normaliseApp(appBody({ ...seed, mode: { flash: { strategy: 'manual', timeout: 3, deep_suspend_after: null } } }).body);
    assert.ok(plain.ok);
    assert.deepEqual(plain.spec.mode, { flash: { strategy: 'manual', timeout: 3 } });
    assert.deepEqual(canonical(plain.spec).mode, { flash: { strategy: 'manual', timeout: 3, deep_suspend_after: FLASH.deep_suspend_after } });
    const bad = appResource.validate({ ...seed, mode: { flash: { strategy: 'manual', timeout: 3, deep_suspend_after: -1 } } });
    assert.deepEqual(bad[0]?.attribute?.steps, [{ attribute_name: 'mode' }, { attribute_name: 'flash' }, { attribute_name: 'deep_suspend_after' }]);
    assert.match(bad[0].detail, /integer >= 0/);
  });

  it('turns the seed into the model body the YAML gives', () => {
    const { body } = appBody(seed);
    const result = normaliseApp(body);
    assert.ok(result.ok);
    assert.deepEqual(result.spec.mode, { flash: { strategy: 'manual', timeout: 3, 'deep-suspend-after': 60 } });
    assert.deepEqual(result.spec.expose.access, { port: 5432, internal: { port: 5432 }, 'connection-tracking': 'connection-aware' });
  });

  it('maps model paths to terraform attribute paths', () => {
    assert.deepEqual(toPath(['mode', 'flash', 'strategy', 'nth-listen']), [
      { attribute_name: 'mode' },
      { attribute_name: 'flash' },
      { attribute_name: 'strategy' },
    ]);
    assert.deepEqual(toPath(['expose', 'access', 'connection-tracking', 'traffic-aware', 'inactivity-timeout']), [
      { attribute_name: 'expose' },
      { element_key_string: 'access' },
      { attribute_name: 'connection_tracking' },
      { attribute_name: 'traffic_aware' },
      { attribute_name: 'inactivity_timeout' },
    ]);
    assert.deepEqual(toPath(['volumes', 0, 'path']), [{ attribute_name: 'volumes' }, { element_key_int: 0 }, { attribute_name: 'path' }]);
    assert.deepEqual(toPath(['restart-policy']), [{ attribute_name: 'restart_policy' }]);
  });

  it('reports an unknown strategy at mode.flash.strategy and parses nth-listen:N', () => {
    const bad = appResource.validate({ ...seed, mode: { flash: { strategy: 'sometimes', timeout: 3 } } });
    assert.equal(bad.length, 1);
    assert.deepEqual(bad[0].attribute?.steps, [{ attribute_name: 'mode' }, { attribute_name: 'flash' }, { attribute_name: 'strategy' }]);
    assert.deepEqual(appResource.validate({ ...seed, mode: { flash: { strategy: 'nth-listen:2', timeout: 3 } } }), []);
  });

  it('does not complain about values unknown at validation time', () => {
    assert.deepEqual(appResource.validate({ ...seed, name: unknown(), volumes: [{ name: unknown(), namespace: null, path: '/data' }] }), []);
  });

  it('never puts environment values into diagnostics', () => {
    const diags = appResource.validate({ ...seed, environment: { 'BAD NAME': 'hunter2' } });
    assert.ok(diags.length > 0);
    assert.doesNotMatch(JSON.stringify(diags), /hunter2/);
  });

  it('plans an environment change as an in-place redeploy, a rename as a replacement', () => {
    const env = appResource.plan({
      prior,
      proposed: { ...prior, environment: { POSTGRES_USER: 'user', POSTGRES_DB: 'db2' } },
      config: seed,
    });
    assert.deepEqual(env.requiresReplace, []);
    assert.ok(isUnknown(env.planned?.generation) && isUnknown(env.planned?.state));
    const rename = appResource.plan({ prior, proposed: { ...prior, name: 'pg2' }, config: { ...seed, name: 'pg2' } });
    assert.deepEqual(rename.requiresReplace, [[{ attribute_name: 'name' }]]);
    const same = appResource.plan({ prior, proposed: prior, config: seed });
    assert.deepEqual(same.planned, prior);
  });

  it('writes a runtime spec back in the form the config uses (import)', () => {
    const result = normaliseApp(appBody(seed).body);
    assert.ok(result.ok);
    const back = canonical(result.spec, { plain: ['POSTGRES_USER', 'POSTGRES_DB'], writeOnly: [] });
    for (const key of Object.keys(back)) assert.deepEqual(back[key], seed[key], key);
  });

  it('plans generation and state unknown for any change, not only a redeploy (generation counts every accepted change)', () => {
    const policy = appResource.plan({ prior, proposed: { ...prior, restart_policy: 'never' }, config: { ...seed, restart_policy: 'never' } });
    assert.ok(isUnknown(policy.planned?.generation) && isUnknown(policy.planned?.state));
    assert.deepEqual(policy.planned?.services, {}, 'services stay known without a redeploy or expose change');
    // Same spec for the model, yet terraform applies the attribute change: nothing known may move.
    const expose = { access: { port: 5432, internal: { port: 5432 }, external: null, connection_tracking: null } };
    const spelling = appResource.plan({ prior, proposed: { ...prior, expose }, config: { ...seed, expose } });
    assert.ok(isUnknown(spelling.planned?.generation) && isUnknown(spelling.planned?.state));
  });
});

/** A scripted client: the apply is accepted at generation 4, then `settle` decides. */
function scripted(settle: (accepted: AppStatus) => AppStatus) {
  const waits: WaitOptions<AppStatus>[] = [];
  let current: AppStatus | undefined;
  const client = {
    getApp: async () => current,
    applyAppAndWait: async (spec: AppSpec, options: WaitOptions<AppStatus>) => {
      const accepted: AppStatus = { spec, state: 'pulling-image', services: [], generation: 4, observedGeneration: 4, createdAt: '', updatedAt: '' };
      current = accepted;
      waits.push(options);
      options.onProgress?.(accepted);
      current = settle(accepted);
      return { status: current, plan: { action: 'update', changes: [], deleteBeforeReplace: false, redeploy: false, errors: [] } };
    },
  } as unknown as RuntimeClient;
  return { client, waits };
}

describe('terraform lttle_app apply', () => {
  const planned: CtyObject = { ...prior, state: unknown(), generation: unknown() };

  it('applies and waits through the client with the timeout passed in; state carries generation, never observedGeneration', async () => {
    const { client, waits } = scripted((accepted) => ({ ...accepted, state: 'ready' }));
    const signal = new AbortController().signal;
    const r = await appResource.apply(client, { prior, planned }, { timeoutMs: 1234, signal });
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.state?.generation, 4);
    assert.equal(r.state?.state, 'ready');
    assert.equal('observedGeneration' in (r.state ?? {}), false);
    assert.equal(waits[0].timeoutMs, 1234);
    assert.equal(waits[0].signal, signal);
    assert.match(waits[0].timeoutHint ?? '', /timeouts\.create/);
  });

  it('sends secret_environment_wo from the config, keeps it out of the state and remembers only its keys', async () => {
    const { client, waits } = scripted((accepted) => ({ ...accepted, state: 'ready' }));
    let sent: AppSpec | undefined;
    const spy = { ...client, applyAppAndWait: (spec: AppSpec, o: WaitOptions<AppStatus>) => ((sent = spec), client.applyAppAndWait(spec, o)) };
    const config = { ...seed, secret_environment: null, secret_environment_wo: { POSTGRES_PASSWORD: 'wo-secret' }, secret_environment_wo_version: 1 };
    const plannedWo = appResource.plan({ prior: null, proposed: config, config }).planned!;
    assert.equal(plannedWo.secret_environment_wo, null, 'never in the plan');
    const r = await appResource.apply(spy as unknown as RuntimeClient, { prior: null, planned: plannedWo, config }, { timeoutMs: 1000 });
    assert.equal(waits.length, 1);
    assert.equal(sent?.environment.POSTGRES_PASSWORD, 'wo-secret');
    assert.doesNotMatch(JSON.stringify(r.state), /wo-secret/);
    assert.doesNotMatch(r.private?.toString() ?? '', /wo-secret/);
    // A refresh does not see the runtime's write-only value as drift.
    const read = await appResource.read(spy as unknown as RuntimeClient, r.state!, r.private);
    assert.doesNotMatch(JSON.stringify(read), /wo-secret/);
    assert.deepEqual(read?.environment, seed.environment);
    assert.equal(read?.secret_environment, null);
  });

  it('accepted but not settled: a diagnostic, and the app kept in the state as it is', async () => {
    const { client } = scripted(() => {
      throw new TimeoutError('app samples/postgresql did not become ready within 1s');
    });
    const r = await appResource.apply(client, { prior: null, planned }, { timeoutMs: 1000 });
    assert.match(r.diagnostics[0].detail, /did not become ready/);
    assert.equal(r.state?.id, 'samples/postgresql');
    assert.equal(r.state?.state, 'pulling-image');
  });

  it('refused by the runtime: a diagnostic and the prior state', async () => {
    const client = { applyAppAndWait: async () => Promise.reject(new ConflictError('busy elsewhere')) } as unknown as RuntimeClient;
    const r = await appResource.apply(client, { prior, planned }, { timeoutMs: 1000 });
    assert.match(r.diagnostics[0].detail, /busy elsewhere/);
    assert.equal(r.state, prior);
  });

  it('defaults to LTTLE_TF_APPLY_TIMEOUT seconds, else 900', () => {
    const saved = process.env.LTTLE_TF_APPLY_TIMEOUT;
    try {
      delete process.env.LTTLE_TF_APPLY_TIMEOUT;
      assert.equal(appResource.defaultTimeoutMs(), 900_000);
      process.env.LTTLE_TF_APPLY_TIMEOUT = '60';
      assert.equal(appResource.defaultTimeoutMs(), 60_000);
    } finally {
      if (saved === undefined) delete process.env.LTTLE_TF_APPLY_TIMEOUT;
      else process.env.LTTLE_TF_APPLY_TIMEOUT = saved;
    }
  });
});
