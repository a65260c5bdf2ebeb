// Compiles examples/<name>/index.ts to build/js/examples/<name>/index.js (the
// path the project tsconfig would use), so program tests can load it with
// mocks: its relative SDK import then resolves to the built SDK.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { packageRoot } from '../../schema/src/paths';

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
  fs.writeFileSync(out, result.outputText);
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
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}
