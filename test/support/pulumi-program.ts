// Compiles examples/<name>/index.ts to build/js/examples/<name>/index.js (the
// path the project tsconfig would use), so program tests can load it with
// mocks. The example imports `@lttle/pulumi`, which a user installs from the
// tarball; here it resolves to the same compiled SDK in build/sdk (`make sdk`).
import * as fs from 'node:fs';
import * as path from 'node:path';
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
