// The pulumirpc.ResourceProvider gRPC service, implemented directly (not via
// @pulumi/pulumi/provider's main(), which drops detailed diffs, preview and
// configuration). Each RPC decodes its Structs, calls the provider
// configuration (config.ts) or the resource type of its type token
// (registry.ts: volume.ts, app.ts) and encodes the answer; errors become gRPC
// statuses the engine understands (errors.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Empty } from 'google-protobuf/google/protobuf/empty_pb';
import type { Struct } from 'google-protobuf/google/protobuf/struct_pb';
import * as providerGrpc from '@pulumi/pulumi/proto/provider_grpc_pb';
import * as providerPb from '@pulumi/pulumi/proto/provider_pb';
import * as pluginPb from '@pulumi/pulumi/proto/plugin_pb';
import type { RuntimeApi } from '../../../runtime/src/client/api';
import { packageRoot } from '../../../schema/src/paths';
import { checkConfig, clientFor, configFromArgs, configFromVariables, diffConfig, type ProviderConfig } from './config';
import type { Context } from './context';
import { toGrpcError, Unimplemented } from './errors';
import type { PropertyFailure } from './properties';
import { nameFromUrn, resourceFor, tokens } from './registry';
import type { Operations } from './resource';
import { fromStruct, toStruct, type Decoded, type JsonObject } from './values';

export function pluginVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function pulumiSchemaText(): string {
  return fs.readFileSync(path.join(packageRoot(), 'schema', 'pulumi', 'schema.json'), 'utf8');
}

/** Provider state across calls: configuration, the lazily made runtime client, cancellation. */
export class LttleProvider {
  private config: ProviderConfig = {};
  private runtime?: RuntimeApi;
  private readonly cancel = new AbortController();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  get context(): Context {
    return { client: () => this.client(), signal: this.cancel.signal };
  }

  /** Made on first use, so Configure and previews never connect (nor start the daemon). */
  client(): RuntimeApi {
    this.runtime ??= clientFor(this.config, this.env);
    return this.runtime;
  }

  configure(config: ProviderConfig): void {
    this.config = config;
    this.runtime = undefined;
  }

  cancelAll(): void {
    this.cancel.abort();
  }
}

type Handler<Req, Res> = (request: Req) => Promise<Res> | Res;

function unary<Req, Res>(fn: Handler<Req, Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (res) => callback(null, res),
        (err: unknown) => callback(toGrpcError(err)),
      );
  };
}

function unimplemented<Req, Res>(method: string): grpc.handleUnaryCall<Req, Res> {
  return (_call, callback) => callback(toGrpcError(new Unimplemented(`lttle does not implement ${method}`)));
}

function resource(type: string, urn: string): Operations {
  const r = resourceFor(type, urn);
  if (!r) throw new Unimplemented(`lttle has no resource type ${type || urn}; it has ${tokens().join(', ')}`);
  return r;
}

function decoded(has: boolean, get: () => Struct | undefined): Decoded {
  return fromStruct(has ? get() : undefined);
}

export function service(provider: LttleProvider): providerGrpc.IResourceProviderServer {
  return {
    handshake: unary(() => {
      const res = new providerPb.ProviderHandshakeResponse();
      res.setAcceptSecrets(true);
      res.setAcceptResources(false);
      res.setAcceptOutputs(false);
      res.setSupportsAutonamingConfiguration(true);
      return res;
    }),
    getPluginInfo: unary(() => new pluginPb.PluginInfo().setVersion(pluginVersion())),
    getSchema: unary((req: providerPb.GetSchemaRequest) => {
      if (req.getSubpackageName()) throw new Unimplemented('lttle has no subpackages');
      return new providerPb.GetSchemaResponse().setSchema(pulumiSchemaText());
    }),
    checkConfig: unary((req: providerPb.CheckRequest) => {
      const { inputs, failures } = checkConfig(decoded(req.hasNews(), () => req.getNews()));
      return checkResponse(inputs, failures);
    }),
    diffConfig: unary((req: providerPb.DiffRequest) => {
      const olds = req.hasOldInputs() && req.getOldInputs()?.getFieldsMap().getLength() ? fromStruct(req.getOldInputs()) : fromStruct(req.getOlds());
      const changed = diffConfig(olds, fromStruct(req.getNews()));
      const res = new providerPb.DiffResponse();
      res.setChanges(changed.length ? providerPb.DiffResponse.DiffChanges.DIFF_SOME : providerPb.DiffResponse.DiffChanges.DIFF_NONE);
      res.setDiffsList(changed);
      res.setHasdetaileddiff(true);
      for (const key of changed)
        res.getDetaileddiffMap().set(key, new providerPb.PropertyDiff().setKind(providerPb.PropertyDiff.Kind.UPDATE).setInputdiff(true));
      return res;
    }),
    configure: unary((req: providerPb.ConfigureRequest) => {
      const fromVars = configFromVariables(req.getVariablesMap().toArray());
      const fromArgs = req.hasArgs() ? configFromArgs(fromStruct(req.getArgs())) : {};
      provider.configure({ ...fromVars, ...fromArgs });
      const res = new providerPb.ConfigureResponse();
      res.setAcceptsecrets(true);
      res.setSupportspreview(true);
      res.setAcceptresources(false);
      res.setAcceptoutputs(false);
      res.setSupportsAutonamingConfiguration(true);
      return res;
    }),
    check: unary((req: providerPb.CheckRequest) => {
      const r = resource(req.getType(), req.getUrn());
      const olds = req.hasOlds() ? fromStruct(req.getOlds()) : undefined;
      const autonaming = req.getAutonaming();
      const { inputs, failures } = r.check(fromStruct(req.getNews()), olds, {
        logicalName: req.getName() || nameFromUrn(req.getUrn()),
        randomSeed: req.getRandomseed_asU8(),
        autonaming: autonaming && { proposedName: autonaming.getProposedName(), mode: autonaming.getMode() as number },
      });
      return checkResponse(inputs, failures);
    }),
    diff: unary((req: providerPb.DiffRequest) => {
      const r = resource(req.getType(), req.getUrn());
      const oldIn = r.oldInputs(fromStruct(req.getOlds()), req.hasOldInputs() ? fromStruct(req.getOldInputs()) : undefined);
      const result = r.diff(oldIn, fromStruct(req.getNews()));
      const res = new providerPb.DiffResponse();
      res.setChanges(result.changed ? providerPb.DiffResponse.DiffChanges.DIFF_SOME : providerPb.DiffResponse.DiffChanges.DIFF_NONE);
      res.setReplacesList(result.replaces);
      res.setDiffsList(result.diffs);
      res.setDeletebeforereplace(result.deleteBeforeReplace);
      res.setHasdetaileddiff(true);
      const map = res.getDetaileddiffMap();
      for (const [key, kindOfChange] of Object.entries(result.detailed)) {
        map.set(key, new providerPb.PropertyDiff().setKind(kindOfChange as number).setInputdiff(true));
      }
      return res;
    }),
    create: unary(async (req: providerPb.CreateRequest) => {
      const r = resource(req.getType(), req.getUrn());
      const result = await r.create(provider.context, fromStruct(req.getProperties()), req.getPreview(), req.getTimeout());
      return new providerPb.CreateResponse().setId(result.id).setProperties(toStruct(result.outputs));
    }),
    read: unary(async (req: providerPb.ReadRequest) => {
      const r = resource(req.getType(), req.getUrn());
      const result = await r.read(provider.context, req.getId(), fromStruct(req.getProperties()), fromStruct(req.getInputs()));
      const res = new providerPb.ReadResponse().setId(result.id);
      if (result.id) {
        res.setProperties(toStruct(result.outputs));
        if (result.inputs) res.setInputs(toStruct(result.inputs));
      }
      return res;
    }),
    update: unary(async (req: providerPb.UpdateRequest) => {
      const r = resource(req.getType(), req.getUrn());
      const result = await r.update(provider.context, req.getId(), fromStruct(req.getOlds()), fromStruct(req.getNews()), req.getPreview(), req.getTimeout());
      return new providerPb.UpdateResponse().setProperties(toStruct(result.outputs));
    }),
    delete: unary(async (req: providerPb.DeleteRequest) => {
      const r = resource(req.getType(), req.getUrn());
      await r.delete(provider.context, req.getId(), req.getTimeout());
      return new Empty();
    }),
    cancel: unary(() => {
      provider.cancelAll();
      return new Empty();
    }),
    getMapping: unary(() => new providerPb.GetMappingResponse()),
    getMappings: unary(() => new providerPb.GetMappingsResponse()),
    parameterize: unimplemented('Parameterize'),
    invoke: unimplemented('Invoke'),
    call: unimplemented('Call'),
    construct: unimplemented('Construct'),
    attach: unimplemented('Attach'),
    list: (call) => {
      call.emit('error', toGrpcError(new Unimplemented('lttle does not implement List')));
    },
  };
}

function checkResponse(inputs: JsonObject, failures: PropertyFailure[]): providerPb.CheckResponse {
  const res = new providerPb.CheckResponse();
  res.setInputs(toStruct(inputs));
  res.setFailuresList(failures.map((f) => new providerPb.CheckFailure().setProperty(f.property).setReason(f.reason)));
  return res;
}

/** Starts the server on a loopback port chosen by the OS. */
export async function startServer(provider = new LttleProvider()): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 400 * 1024 * 1024 });
  server.addService(providerGrpc.ResourceProviderService, service(provider));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { server, port };
}
