// go-plugin server side: checks the magic cookie, serves tfplugin6 plus the
// health and controller services over TLS (AutoMTLS) on loopback, and prints
// the one handshake line terraform reads from stdout.
import * as grpc from '@grpc/grpc-js';
import { log } from './log';
import { serviceDefinition } from './protocol';
import { LttleProvider } from './provider';
import { generateServerCert } from './tls';

export const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
export const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
const CORE_PROTOCOL_VERSION = 1;
const APP_PROTOCOL_VERSION = 6;

type Handler = (req: Record<string, unknown>) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** Wraps a promise-returning handler as a grpc-js unary handler. */
function unary(name: string, fn: Handler): grpc.handleUnaryCall<Record<string, unknown>, Record<string, unknown>> {
  return (call, callback) => {
    const started = Date.now();
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (res) => {
          log('trace', 'rpc done', { rpc: name, ms: Date.now() - started });
          callback(null, res);
        },
        (err: unknown) => {
          log('error', 'rpc failed', { rpc: name, error: err instanceof Error ? err.message : String(err) });
          callback({ code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) });
        },
      );
  };
}

export interface ServeOptions {
  env?: NodeJS.ProcessEnv;
  /** Where the handshake line goes (stdout in production). */
  announce?: (line: string) => void;
  onShutdown?: () => void;
}

export interface RunningServer {
  server: grpc.Server;
  port: number;
  handshake: string;
  shutdown(): Promise<void>;
}

export async function serve(options: ServeOptions = {}): Promise<RunningServer> {
  const env = options.env ?? process.env;
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    throw new Error(
      'This binary is a plugin. These are not meant to be executed directly. Please execute the program that consumes these plugins, which will load any plugins automatically',
    );
  }
  const versions = (env.PLUGIN_PROTOCOL_VERSIONS ?? String(APP_PROTOCOL_VERSION)).split(',').map((v) => v.trim());
  if (!versions.includes(String(APP_PROTOCOL_VERSION))) {
    throw new Error(
      `terraform offers plugin protocol versions ${versions.join(',')}; terraform-provider-lttle speaks only ${APP_PROTOCOL_VERSION} (terraform >= 1.0)`,
    );
  }

  const provider = new LttleProvider();
  const server = new grpc.Server();
  const providerHandlers: grpc.UntypedServiceImplementation = {};
  const definition = serviceDefinition('tfplugin6.Provider');
  for (const name of Object.keys(definition)) {
    const method = (provider as unknown as Record<string, Handler | undefined>)[name];
    if (typeof method === 'function') providerHandlers[name] = unary(name, method.bind(provider));
  }
  server.addService(definition, providerHandlers);
  server.addService(serviceDefinition('grpc.health.v1.Health'), {
    Check: unary('Health.Check', () => ({ status: 1 })),
  });
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  };
  server.addService(serviceDefinition('plugin.GRPCController'), {
    Shutdown: unary('GRPCController.Shutdown', () => {
      // Answer first, then leave: terraform otherwise waits and kills us.
      // (a moment for the reply to flush; idle stdio streams never end on
      // their own, so the server is then closed forcibly).
      setTimeout(() => {
        server.forceShutdown();
        options.onShutdown?.();
      }, 100);
      return {};
    }),
  });
  // Stdio and broker streams stay open and idle (we log to stderr directly).
  server.addService(serviceDefinition('plugin.GRPCStdio'), { StreamStdio: () => undefined });
  server.addService(serviceDefinition('plugin.GRPCBroker'), { StartStream: () => undefined });

  const clientCert = env.PLUGIN_CLIENT_CERT;
  let credentials: grpc.ServerCredentials;
  let certField = '';
  if (clientCert) {
    const cert = generateServerCert();
    credentials = grpc.ServerCredentials.createSsl(
      Buffer.from(clientCert),
      [{ private_key: Buffer.from(cert.keyPem), cert_chain: Buffer.from(cert.certPem) }],
      true,
    );
    certField = cert.derBase64;
  } else {
    credentials = grpc.ServerCredentials.createInsecure();
  }
  const port = await bindInRange(server, credentials, Number(env.PLUGIN_MIN_PORT || 0), Number(env.PLUGIN_MAX_PORT || 0));
  const handshake = `${CORE_PROTOCOL_VERSION}|${APP_PROTOCOL_VERSION}|tcp|127.0.0.1:${port}|grpc|${certField}`;
  (options.announce ?? ((line: string) => process.stdout.write(line + '\n')))(handshake);
  log('debug', 'plugin server started', { port, tls: !!clientCert });
  return { server, port, handshake, shutdown };
}

function bind(server: grpc.Server, credentials: grpc.ServerCredentials, port: number): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, credentials, (err, bound) => (err ? reject(err) : resolve(bound))));
}

/** Binds within PLUGIN_MIN_PORT..PLUGIN_MAX_PORT when given, else any free port. */
async function bindInRange(server: grpc.Server, credentials: grpc.ServerCredentials, min: number, max: number): Promise<number> {
  if (!min || !max || max < min) return bind(server, credentials, 0);
  for (let port = min; port <= max; port++) {
    try {
      return await bind(server, credentials, port);
    } catch {
      // taken; try the next one
    }
  }
  throw new Error(`no free port between ${min} and ${max}`);
}
