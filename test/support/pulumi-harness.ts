// Test harness that plays the Pulumi engine: spawns the real plugin binary
// (bin/pulumi-resource-lttle), reads its port, and drives the gRPC protocol
// in the orders the engine uses for preview, up, refresh, import and destroy.
// Used by test/pulumi-*.test.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Empty } from 'google-protobuf/google/protobuf/empty_pb';
import * as providerGrpc from '@pulumi/pulumi/proto/provider_grpc_pb';
import * as providerPb from '@pulumi/pulumi/proto/provider_pb';
import type * as pluginPb from '@pulumi/pulumi/proto/plugin_pb';
import * as statusPb from '@pulumi/pulumi/proto/status_pb';
import * as errorsPb from '@pulumi/pulumi/proto/errors_pb';
import { RuntimeClient } from '../../runtime/src/client/client';
import { daemonEntry, daemonSocketPath, packageRoot } from '../../schema/src/paths';
import { fromStruct, toStruct, type Decoded, type JsonObject } from '../../provider/src/pulumi/values';

export const VOLUME = 'lttle:index:Volume';
export const APP = 'lttle:index:App';

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:test::lttle-postgres::${type}::${name}`;
}

/** True once the lead's daemon is built; runtime-backed tests skip (with this reason) before that. */
export function daemonBuilt(): boolean {
  return fs.existsSync(daemonEntry());
}

/** A fresh LTTLE_HOME; `stop()` shuts its daemon down (if one started) and removes it. */
export class TempHome {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-pulumi-'));
  readonly env: NodeJS.ProcessEnv = { ...process.env, LTTLE_HOME: this.dir, LTTLE_HOST: '', LTTLE_TOKEN: '' };

  get socketExists(): boolean {
    return fs.existsSync(daemonSocketPath(this.env));
  }

  /** A client that never starts the daemon: inspecting must not change what is being inspected. */
  client(): RuntimeClient {
    return new RuntimeClient({ env: this.env, autostart: false });
  }

  /** Every file under the home except logs, for "nothing changed" assertions. */
  files(): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (!entry.name.endsWith('.log')) out.push(path.relative(this.dir, p));
      }
    };
    walk(this.dir);
    return out.sort();
  }

  async stop(): Promise<void> {
    if (this.socketExists) {
      await this.client()
        .request('POST', '/v1/shutdown')
        .catch(() => undefined);
      const deadline = Date.now() + 10_000;
      while (this.socketExists && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface ResourceState {
  type: string;
  name: string;
  id: string;
  /** Outputs as the engine stores them (secrets still wrapped). */
  outputs: JsonObject;
  /** Checked inputs as the engine stores them. */
  inputs: JsonObject;
}

export class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
    /** Structured details, e.g. ErrorResourceInitFailed or InputPropertiesError, decoded. */
    readonly initFailed?: providerPb.ErrorResourceInitFailed,
    readonly propertyErrors: { path: string; reason: string }[] = [],
  ) {
    super(message);
  }
}

function rpcError(err: grpc.ServiceError): RpcError {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  let initFailed: providerPb.ErrorResourceInitFailed | undefined;
  const propertyErrors: { path: string; reason: string }[] = [];
  if (raw) {
    const status = statusPb.Status.deserializeBinary(new Uint8Array(raw as Buffer));
    for (const any of status.getDetailsList()) {
      if (any.getTypeName() === 'pulumirpc.ErrorResourceInitFailed') initFailed = providerPb.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
      if (any.getTypeName() === 'pulumirpc.InputPropertiesError') {
        for (const e of errorsPb.InputPropertiesError.deserializeBinary(any.getValue_asU8()).getErrorsList())
          propertyErrors.push({ path: e.getPropertyPath(), reason: e.getReason() });
      }
    }
  }
  return new RpcError(err.code, err.details, initFailed, propertyErrors);
}

/** The plugin process and a gRPC client to it. */
export class Plugin {
  stdout = '';
  stderr = '';
  readonly calls: string[] = [];

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly client: providerGrpc.ResourceProviderClient,
  ) {}

  static async start(env: NodeJS.ProcessEnv): Promise<Plugin> {
    const bin = path.join(packageRoot(), 'bin', 'pulumi-resource-lttle');
    // The engine passes its own address as the first argument.
    const child = spawn(bin, ['127.0.0.1:1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`plugin printed no port within 20s; stderr: ${stderr}`)), 20_000);
      const onData = () => {
        const nl = stdout.indexOf('\n');
        if (nl < 0) return;
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(Number(stdout.slice(0, nl)));
      };
      child.stdout.on('data', onData);
      child.on('exit', (code) => reject(new Error(`plugin exited (${code}) before printing its port; stderr: ${stderr}`)));
    });
    const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const plugin = new Plugin(child, port, client);
    child.stdout.on('data', (d: string) => (plugin.stdout += d));
    child.stderr.on('data', (d: string) => (plugin.stderr += d));
    plugin.stdout = stdout;
    plugin.stderr = stderr;
    return plugin;
  }

  private call<Req, Res>(name: string, request: Req): Promise<Res> {
    this.calls.push(name);
    const method = (this.client as unknown as Record<string, (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => void>)[name];
    return new Promise((resolve, reject) => method.call(this.client, request, (err, res) => (err ? reject(rpcError(err)) : resolve(res))));
  }

  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }

  // --- the RPCs, with JS values in and decoded values out ---

  getPluginInfo(): Promise<pluginPb.PluginInfo> {
    return this.call('getPluginInfo', new Empty());
  }

  async getSchema(): Promise<Record<string, unknown>> {
    const res = await this.call<providerPb.GetSchemaRequest, providerPb.GetSchemaResponse>('getSchema', new providerPb.GetSchemaRequest().setVersion(0));
    return JSON.parse(res.getSchema()) as Record<string, unknown>;
  }

  async checkConfig(news: JsonObject): Promise<{ inputs: JsonObject; failures: { property: string; reason: string }[] }> {
    const req = new providerPb.CheckRequest().setUrn(urnOf('pulumi:providers:lttle', 'default')).setNews(toStruct(news)).setOlds(toStruct({}));
    const res = await this.call<providerPb.CheckRequest, providerPb.CheckResponse>('checkConfig', req);
    return {
      inputs: res.getInputs()?.toJavaScript() as JsonObject,
      failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  configure(variables: Record<string, string>, args: JsonObject): Promise<providerPb.ConfigureResponse> {
    const req = new providerPb.ConfigureRequest()
      .setArgs(toStruct(args))
      .setAcceptsecrets(true)
      .setAcceptresources(true)
      .setSendsOldInputs(true)
      .setSendsOldInputsToDelete(true);
    for (const [k, v] of Object.entries(variables)) req.getVariablesMap().set(k, v);
    return this.call('configure', req);
  }

  handshake(): Promise<providerPb.ProviderHandshakeResponse> {
    return this.call('handshake', new providerPb.ProviderHandshakeRequest().setEngineAddress('127.0.0.1:0'));
  }

  /** `naming`: the engine's seed (32 zero bytes unless given) and autonaming options (sent when the provider supports them). */
  async check(
    type: string,
    name: string,
    news: JsonObject,
    olds?: JsonObject,
    naming: { seed?: Uint8Array; proposedName?: string; mode?: providerPb.CheckRequest.AutonamingOptions.Mode } = {},
  ): Promise<{ inputs: JsonObject; failures: { property: string; reason: string }[] }> {
    const req = new providerPb.CheckRequest()
      .setUrn(urnOf(type, name))
      .setName(name)
      .setType(type)
      .setNews(toStruct(news))
      .setOlds(toStruct(olds ?? {}))
      .setRandomseed(naming.seed ?? new Uint8Array(32));
    if (naming.mode !== undefined)
      req.setAutonaming(new providerPb.CheckRequest.AutonamingOptions().setProposedName(naming.proposedName ?? '').setMode(naming.mode));
    const res = await this.call<providerPb.CheckRequest, providerPb.CheckResponse>('check', req);
    return {
      inputs: res.getInputs()?.toJavaScript() as JsonObject,
      failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(state: ResourceState, news: JsonObject): Promise<providerPb.DiffResponse.AsObject & { detailed: Record<string, number> }> {
    const req = new providerPb.DiffRequest()
      .setId(state.id)
      .setUrn(urnOf(state.type, state.name))
      .setName(state.name)
      .setType(state.type)
      .setOlds(toStruct(state.outputs))
      .setNews(toStruct(news))
      .setOldInputs(toStruct(state.inputs));
    const res = await this.call<providerPb.DiffRequest, providerPb.DiffResponse>('diff', req);
    const detailed: Record<string, number> = {};
    res.getDetaileddiffMap().forEach((v, k) => (detailed[k] = v.getKind()));
    return { ...res.toObject(), detailed };
  }

  async create(type: string, name: string, inputs: JsonObject, preview: boolean, timeout = 0): Promise<{ id: string; outputs: JsonObject }> {
    const req = new providerPb.CreateRequest()
      .setUrn(urnOf(type, name))
      .setName(name)
      .setType(type)
      .setProperties(toStruct(inputs))
      .setPreview(preview)
      .setTimeout(timeout);
    const res = await this.call<providerPb.CreateRequest, providerPb.CreateResponse>('create', req);
    return { id: res.getId(), outputs: res.getProperties()?.toJavaScript() as JsonObject };
  }

  async read(
    type: string,
    name: string,
    id: string,
    outputs: JsonObject = {},
    inputs: JsonObject = {},
  ): Promise<{ id: string; outputs: JsonObject; inputs: JsonObject }> {
    const req = new providerPb.ReadRequest()
      .setId(id)
      .setUrn(urnOf(type, name))
      .setName(name)
      .setType(type)
      .setProperties(toStruct(outputs))
      .setInputs(toStruct(inputs));
    const res = await this.call<providerPb.ReadRequest, providerPb.ReadResponse>('read', req);
    return { id: res.getId(), outputs: res.getProperties()?.toJavaScript() ?? {}, inputs: res.getInputs()?.toJavaScript() ?? {} };
  }

  async update(state: ResourceState, news: JsonObject, preview: boolean, timeout = 0): Promise<JsonObject> {
    const req = new providerPb.UpdateRequest()
      .setId(state.id)
      .setUrn(urnOf(state.type, state.name))
      .setName(state.name)
      .setType(state.type)
      .setOlds(toStruct(state.outputs))
      .setNews(toStruct(news))
      .setOldInputs(toStruct(state.inputs))
      .setPreview(preview)
      .setTimeout(timeout);
    const res = await this.call<providerPb.UpdateRequest, providerPb.UpdateResponse>('update', req);
    return res.getProperties()?.toJavaScript() as JsonObject;
  }

  async delete(state: ResourceState): Promise<void> {
    const req = new providerPb.DeleteRequest()
      .setId(state.id)
      .setUrn(urnOf(state.type, state.name))
      .setName(state.name)
      .setType(state.type)
      .setProperties(toStruct(state.outputs))
      .setOldInputs(toStruct(state.inputs));
    await this.call<providerPb.DeleteRequest, Empty>('delete', req);
  }

  /** What the engine does when a plugin is loaded for a stack: info, config check, configure. */
  async load(config: JsonObject = {}): Promise<providerPb.ConfigureResponse> {
    await this.getPluginInfo();
    const checked = await this.checkConfig({ version: '0.0.0', ...config });
    if (checked.failures.length) throw new Error(`CheckConfig failed: ${JSON.stringify(checked.failures)}`);
    const variables: Record<string, string> = {};
    for (const [k, v] of Object.entries(fromStruct(toStruct(checked.inputs)).value))
      if (typeof v === 'string' && k !== 'version') variables[`lttle:config:${k}`] = v;
    return this.configure(variables, checked.inputs);
  }

  // --- engine step sequences ---

  /** `pulumi preview` of one resource: Check, then Diff (existing) and a preview Create/Update. */
  async preview(
    type: string,
    name: string,
    news: JsonObject,
    state?: ResourceState,
  ): Promise<{ op: 'create' | 'same' | 'update' | 'replace'; outputs: JsonObject }> {
    const checked = await this.checkOrThrow(type, name, news, state);
    if (!state) return { op: 'create', outputs: (await this.create(type, name, checked, true)).outputs };
    const d = await this.diff(state, checked);
    if (d.changes !== providerPb.DiffResponse.DiffChanges.DIFF_SOME) return { op: 'same', outputs: state.outputs };
    if (d.replacesList.length) return { op: 'replace', outputs: (await this.create(type, name, checked, true)).outputs };
    return { op: 'update', outputs: await this.update(state, checked, true) };
  }

  /** `pulumi up` of one resource: the preview pass, then Check, Diff and the real operation (a replace deletes first or last, as Diff says). */
  async up(
    type: string,
    name: string,
    news: JsonObject,
    state?: ResourceState,
    timeout = 0,
  ): Promise<{ op: 'create' | 'same' | 'update' | 'replace'; state: ResourceState; diff?: Awaited<ReturnType<Plugin['diff']>> }> {
    await this.preview(type, name, news, state);
    const checked = await this.checkOrThrow(type, name, news, state);
    if (!state) {
      const created = await this.create(type, name, checked, false, timeout);
      return { op: 'create', state: { type, name, id: created.id, outputs: created.outputs, inputs: checked } };
    }
    const d = await this.diff(state, checked);
    if (d.changes !== providerPb.DiffResponse.DiffChanges.DIFF_SOME) return { op: 'same', state, diff: d };
    if (d.replacesList.length) {
      // The engine's order: delete first when asked, else create the new one, then delete the old.
      if (d.deletebeforereplace) await this.delete(state);
      const created = await this.create(type, name, checked, false, timeout);
      if (!d.deletebeforereplace) await this.delete(state);
      return { op: 'replace', state: { type, name, id: created.id, outputs: created.outputs, inputs: checked }, diff: d };
    }
    const outputs = await this.update(state, checked, false, timeout);
    return { op: 'update', state: { ...state, outputs, inputs: checked }, diff: d };
  }

  /** `pulumi refresh` of one resource: Read with the stored outputs and inputs; undefined when gone. */
  async refresh(state: ResourceState): Promise<ResourceState | undefined> {
    const r = await this.read(state.type, state.name, state.id, state.outputs, state.inputs);
    return r.id ? { ...state, id: r.id, outputs: r.outputs, inputs: r.inputs } : undefined;
  }

  /** `pulumi import TYPE NAME ID` followed by the program's inputs: Read, Check against the read inputs, Diff must be empty. */
  async import(type: string, name: string, id: string, news: JsonObject): Promise<{ state: ResourceState; changes: number }> {
    const r = await this.read(type, name, id);
    if (!r.id) throw new Error(`import: ${id} does not exist`);
    const state: ResourceState = { type, name, id: r.id, outputs: r.outputs, inputs: r.inputs };
    const checked = await this.checkOrThrow(type, name, news, state);
    const d = await this.diff(state, checked);
    return { state: { ...state, inputs: checked }, changes: d.changes };
  }

  private async checkOrThrow(type: string, name: string, news: JsonObject, state?: ResourceState): Promise<JsonObject> {
    const c = await this.check(type, name, news, state?.inputs);
    if (c.failures.length) throw new CheckFailed(c.failures);
    return c.inputs;
  }
}

export class CheckFailed extends Error {
  constructor(readonly failures: { property: string; reason: string }[]) {
    super(failures.map((f) => f.reason).join('; '));
  }
}

export function decodeOutputs(outputs: JsonObject): Decoded {
  return fromStruct(toStruct(outputs));
}
