// The tfplugin6 Provider service: decodes cty values with each resource's
// schema, calls the resource, encodes the answer. Every failure becomes a
// diagnostic (never a gRPC error, which terraform shows as a crash).
import type { RuntimeApi } from '../../../runtime/src/client/api';
import { connectRuntime } from '../../../runtime/src/client/connect';
import { containsUnknown, decodeValue, encodeValue, fromJson, isObject, type CtyObject, type CtyType, type CtyValue } from './cty';
import { appDataSource } from './data-source-app';
import { volumeDataSource } from './data-source-volume';
import { error, fromError, hasErrors, type AttributePath } from './diagnostics';
import { log } from './log';
import { timeoutOf, type ApplyResult, type DataSource, type Resource } from './resource';
import { appResource } from './resource-app';
import { volumeResource } from './resource-volume';
import { volumeSnapshotResource } from './resource-volume-snapshot';
import { blockType, protoSchema } from './schema';
import { providerSchema, validateProviderConfig } from './provider-schema';

export const resources: Resource[] = [volumeResource, appResource, volumeSnapshotResource];
export const dataSources: DataSource[] = [volumeDataSource, appDataSource];

interface DynamicValue {
  msgpack?: Buffer | Uint8Array | null;
  json?: Buffer | Uint8Array | null;
}

type Req = Record<string, unknown>;

function decode(dv: unknown, type: CtyType): CtyValue {
  const v = dv as DynamicValue | null | undefined;
  if (!v) return null;
  if (v.msgpack && v.msgpack.length) return decodeValue(v.msgpack, type);
  if (v.json && v.json.length) return fromJson(JSON.parse(Buffer.from(v.json).toString('utf8')), type);
  return null;
}

function dynamic(value: CtyValue, type: CtyType): { msgpack: Buffer } {
  return { msgpack: Buffer.from(encodeValue(value, type)) };
}

function asObject(v: CtyValue): CtyObject | null {
  return isObject(v) ? v : null;
}

export class LttleProvider {
  private client?: RuntimeApi;
  /** Aborted by StopProvider (terraform interrupted): waits end early with a diagnostic. */
  private readonly stopping = new AbortController();
  private readonly resourceMap = new Map(resources.map((r) => [r.typeName, r]));
  private readonly dataMap = new Map(dataSources.map((d) => [d.typeName, d]));

  private runtime(): RuntimeApi {
    this.client ??= connectRuntime({});
    return this.client;
  }

  private resource(typeName: unknown): Resource {
    const r = this.resourceMap.get(String(typeName));
    if (!r) throw new Error(`unknown resource type ${String(typeName)}`);
    return r;
  }

  GetProviderSchema(): Req {
    return {
      provider: protoSchema(providerSchema),
      resource_schemas: Object.fromEntries(resources.map((r) => [r.typeName, protoSchema(r.schema)])),
      data_source_schemas: Object.fromEntries(dataSources.map((d) => [d.typeName, protoSchema(d.schema)])),
      diagnostics: [],
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: false, move_resource_state: false },
      functions: {},
    };
  }

  GetMetadata(): Req {
    return {
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: false },
      diagnostics: [],
      resources: resources.map((r) => ({ type_name: r.typeName })),
      data_sources: dataSources.map((d) => ({ type_name: d.typeName })),
    };
  }

  GetFunctions(): Req {
    return { functions: {}, diagnostics: [] };
  }

  /** Plan-time checks of the provider block (unknown values are checked at configure time by the client). */
  ValidateProviderConfig(req: Req): Req {
    const config = asObject(decode(req.config, blockType(providerSchema))) ?? {};
    return { diagnostics: validateProviderConfig(config) };
  }

  ConfigureProvider(req: Req): Req {
    const config = asObject(decode(req.config, blockType(providerSchema))) ?? {};
    const text = (v: CtyValue | undefined) => (typeof v === 'string' && v !== '' ? v : undefined);
    const target = { host: text(config.host), token: text(config.token), kubeconfig: text(config.kubeconfig), context: text(config.context) };
    // Values known only now (from other resources) are checked here, with the same messages as at plan time.
    const problems = validateProviderConfig(config);
    if (hasErrors(problems)) return { diagnostics: problems };
    this.client = connectRuntime(target);
    log('debug', 'configured provider', { target: this.client.target, terraform_version: textOf(req.terraform_version) });
    return { diagnostics: [] };
  }

  ValidateResourceConfig(req: Req): Req {
    const r = this.resource(req.type_name);
    const config = asObject(decode(req.config, blockType(r.schema)));
    return { diagnostics: config ? r.validate(config) : [] };
  }

  ValidateDataResourceConfig(): Req {
    return { diagnostics: [] };
  }

  UpgradeResourceState(req: Req): Req {
    const r = this.resource(req.type_name);
    const type = blockType(r.schema);
    const raw = req.raw_state as { json?: Buffer; flatmap?: Record<string, string> } | null;
    if (!raw?.json?.length)
      return { diagnostics: [error('Cannot upgrade state', `${r.typeName} state has no JSON form (flatmap states are from terraform 0.11 and older)`)] };
    // Schema version 0 is the only one so far: upgrading re-shapes the JSON
    // (attributes added since are null, removed ones dropped).
    const value = fromJson(JSON.parse(raw.json.toString('utf8')), type);
    return { upgraded_state: dynamic(value, type), diagnostics: [] };
  }

  async ReadResource(req: Req): Promise<Req> {
    const r = this.resource(req.type_name);
    const type = blockType(r.schema);
    const state = asObject(decode(req.current_state, type));
    if (!state) return { new_state: dynamic(null, type), diagnostics: [], private: req.private };
    try {
      const next = await r.read(this.runtime(), state, privateBytes(req.private));
      if (!next) log('info', 'resource no longer exists; removing it from the state', { type: r.typeName, id: textOf(state.id) });
      return { new_state: dynamic(next, type), diagnostics: [], private: req.private };
    } catch (err) {
      return { new_state: dynamic(state, type), diagnostics: [fromError(`Cannot read ${r.typeName} ${textOf(state.id)}`, err)], private: req.private };
    }
  }

  PlanResourceChange(req: Req): Req {
    const r = this.resource(req.type_name);
    const type = blockType(r.schema);
    const prior = asObject(decode(req.prior_state, type));
    const proposed = asObject(decode(req.proposed_new_state, type));
    const config = asObject(decode(req.config, type));
    try {
      const result = r.plan({ prior, proposed, config });
      return {
        planned_state: dynamic(result.planned, type),
        requires_replace: result.requiresReplace.map((steps: AttributePath) => ({ steps })),
        planned_private: req.prior_private,
        diagnostics: result.diagnostics,
      };
    } catch (err) {
      return { planned_state: dynamic(proposed, type), requires_replace: [], diagnostics: [fromError(`Cannot plan ${r.typeName}`, err)] };
    }
  }

  async ApplyResourceChange(req: Req): Promise<Req> {
    const r = this.resource(req.type_name);
    const type = blockType(r.schema);
    const prior = asObject(decode(req.prior_state, type));
    const planned = asObject(decode(req.planned_state, type));
    const config = asObject(decode(req.config, type));
    log('info', planned ? (prior ? 'updating' : 'creating') : 'deleting', { type: r.typeName, id: textOf((planned ?? prior)?.id) });
    let result: ApplyResult;
    try {
      const request = { prior, planned, config };
      result = await r.apply(this.runtime(), request, { timeoutMs: timeoutOf(request, r.defaultTimeoutMs()), signal: this.stopping.signal });
    } catch (err) {
      result = { state: prior, diagnostics: [fromError(`Cannot apply ${r.typeName}`, err)] };
    }
    if (hasErrors(result.diagnostics)) log('warn', 'apply failed', { type: r.typeName, summary: result.diagnostics[0].summary });
    // A failed create must not hand back unknowns.
    const state = result.state && containsUnknown(result.state) ? null : result.state;
    return { new_state: dynamic(state, type), private: result.private ?? req.planned_private, diagnostics: result.diagnostics };
  }

  async ImportResourceState(req: Req): Promise<Req> {
    const r = this.resource(req.type_name);
    const type = blockType(r.schema);
    const id = textOf(req.id);
    try {
      const state = await r.importState(this.runtime(), id);
      if (!state)
        return {
          imported_resources: [],
          diagnostics: [error('Cannot import non-existent remote object', `there is no ${r.typeName} ${id} in the lttle runtime`)],
        };
      return { imported_resources: [{ type_name: r.typeName, state: dynamic(state, type), private: Buffer.alloc(0) }], diagnostics: [] };
    } catch (err) {
      return { imported_resources: [], diagnostics: [fromError(`Cannot import ${r.typeName} ${id}`, err)] };
    }
  }

  async ReadDataSource(req: Req): Promise<Req> {
    const d = this.dataMap.get(String(req.type_name));
    if (!d) return { diagnostics: [error(`unknown data source ${String(req.type_name)}`)] };
    const type = blockType(d.schema);
    const config = asObject(decode(req.config, type)) ?? {};
    try {
      const { state, diagnostics } = await d.read(this.runtime(), config);
      return { state: dynamic(state ?? config, type), diagnostics };
    } catch (err) {
      return { state: dynamic(config, type), diagnostics: [fromError(`Cannot read ${d.typeName}`, err)] };
    }
  }

  StopProvider(): Req {
    this.stopping.abort();
    return { Error: '' };
  }
}

function privateBytes(value: unknown): Buffer | undefined {
  return value instanceof Uint8Array ? Buffer.from(value) : undefined;
}

/** A protocol value as text for logs and messages (ids are strings; anything else is shown as JSON). */
function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
