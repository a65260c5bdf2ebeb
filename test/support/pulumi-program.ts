// Compiles examples/<name>/index.ts to build/js/examples/<name>/index.js (the
// path the project tsconfig would use), so program tests can load it with
// mocks. The example imports `@lttle/pulumi`, which a user installs from the
// tarball; here it resolves to the same compiled SDK in build/sdk (`make sdk`).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import * as ts from 'typescript';
import { packageRoot } from '../../schema/src/paths';

/** The compiled generated SDK that `make sdk` packs. */
export function builtSdk(): string {
  const dir = path.join(packageRoot(), 'build', 'sdk', 'nodejs', 'bin');
  if (!fs.existsSync(path.join(dir, 'index.js'))) throw new Error(`${dir} is missing: run \`make sdk\``);
  return dir;
}

export function compileExample(name: string): string {
  const root = packageRoot();
  const source = path.join(root, 'examples', name, 'index.ts');
  const out = path.join(root, 'build', 'js', 'examples', name, 'index.js');
  const result = ts.transpileModule(fs.readFileSync(source, 'utf8'), {
    fileName: source,
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true, strict: true },
  });
  if (result.diagnostics?.length)
    throw new Error(ts.formatDiagnostics(result.diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, result.outputText.replace(/require\("@lttle\/pulumi"\)/g, `require(${JSON.stringify(builtSdk())})`));
  return out;
}

/** Type-checks the example against the SDK sources (what `pulumi up` does through ts-node). */
export function typeCheckExample(name: string): string[] {
  const root = packageRoot();
  const program = ts.createProgram([path.join(root, 'examples', name, 'index.ts')], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    typeRoots: [path.join(root, 'node_modules', '@types')],
    baseUrl: root,
    paths: { '@lttle/pulumi': [builtSdk()] },
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/**
 * Copies examples/<name> into `work` and installs it as a user's project is:
 * `npm install` with the SDK from `make sdk`'s tarball; the plugin path in
 * Pulumi.yaml points back at the checkout's bin/.
 */
export function installExample(name: string, work: string, version: string): void {
  const root = packageRoot();
  const tarball = path.join(root, 'build', 'sdk', `lttle-pulumi-${version}.tgz`);
  if (!fs.existsSync(tarball)) throw new Error(`${tarball} is missing: run \`make sdk\``);
  const src = path.join(root, 'examples', name);
  fs.copyFileSync(path.join(src, 'index.ts'), path.join(work, 'index.ts'));
  fs.copyFileSync(path.join(src, 'tsconfig.json'), path.join(work, 'tsconfig.json'));
  fs.writeFileSync(
    path.join(work, 'Pulumi.yaml'),
    fs.readFileSync(path.join(src, 'Pulumi.yaml'), 'utf8').replace('path: ../../bin', `path: ${path.join(root, 'bin')}`),
  );
  const pkg = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  pkg.dependencies['@lttle/pulumi'] = `file:${tarball}`;
  fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify(pkg, null, 2));
  const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: work,
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  if (npm.status !== 0) throw new Error(`npm install in the example failed:\n${npm.stdout}\n${npm.stderr}`);
  if (!fs.existsSync(path.join(work, 'node_modules', '@lttle', 'pulumi', 'index.js'))) throw new Error('the SDK was not installed from the tarball');
}

export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export function value<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) =>
    output.apply((v) => {
      resolve(v);
      return v;
    }),
  );
}

/**
 * Loads examples/<name> under pulumi.runtime.setMocks with a stand-in for the
 * lttle provider's outputs (volume size, service addresses: host port = port + 40000),
 * and returns what the program registered and exported.
 */
export async function runExampleWithMocks(
  name: string,
  project: string,
): Promise<{ registered: Registered[]; exports: Record<string, pulumi.Output<unknown>> }> {
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        const inputs = args.inputs as Record<string, unknown>;
        const state: Record<string, unknown> = { ...inputs, name: inputs.name ?? args.name, namespace: inputs.namespace ?? 'default' };
        if (args.type === 'lttle:index:Volume') Object.assign(state, { sizeBytes: 104857600, state: 'ready' });
        if (args.type === 'lttle:index:App') {
          const expose = (inputs.expose ?? {}) as Record<string, { port: number }>;
          state.services = Object.entries(expose).map(([key, e]) => ({
            name: key,
            address: `tcp://${String(state.name)}-${key}.${String(state.namespace)}.svc.lttle.local:${e.port}`,
            hostAddress: `127.0.0.1:${e.port + 40000}`,
            targetPort: e.port,
          }));
          Object.assign(state, { state: 'suspended', generation: 1 });
        }
        return { id: `${String(state.namespace)}/${String(state.name)}`, state };
      },
      call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
    },
    project,
    'test',
    false,
  );
  const file = compileExample(name);
  delete require.cache[file];
  return { registered, exports: require(file) as Record<string, pulumi.Output<unknown>> };
}

/**
 * The environment of a Pulumi project in `work`, as the README sets it up: the
 * CLI from `bin`, local state in work/state, passphrase secrets, no update
 * checks and no plugin downloads (the plugin comes from Pulumi.yaml).
 */
export function localPulumiEnv(base: NodeJS.ProcessEnv, bin: string, work: string, passphrase: string): NodeJS.ProcessEnv {
  for (const dir of ['state', 'pulumi-home']) fs.mkdirSync(path.join(work, dir), { recursive: true });
  return {
    ...base,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    PULUMI_HOME: path.join(work, 'pulumi-home'),
    PULUMI_BACKEND_URL: `file://${path.join(work, 'state')}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
  };
}
