// The import arrows between layers (eslint.layers.mjs) refuse an import that
// runs the wrong way, and let the allowed ones through: each case lints one
// probe file as if it stood at that path.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';
import { packageRoot } from '../../schema/src/paths';

const root = packageRoot();
const eslint = new ESLint({ cwd: root, overrideConfigFile: path.join(root, 'eslint.layers.mjs') });

async function refusal(file: string, from: string): Promise<string | undefined> {
  const [result] = await eslint.lintText(`import * as probe from '${from}';\nexport const used = probe;\n`, { filePath: path.join(root, file) });
  return result.messages.find((m) => m.ruleId === 'no-restricted-imports')?.message;
}

describe('layers: the import arrows (make lint)', function () {
  this.timeout(60_000);

  const refused: [string, string, RegExp][] = [
    ['schema/src/probe.ts', '../../runtime/src/client/client', /schema\/ is the shared model/],
    ['schema/src/probe.ts', '../../provider/src/pulumi/app', /schema\/ is the shared model/],
    ['runtime/src/app/probe.ts', '../../../provider/src/terraform/provider', /the runtime never imports a provider/],
    ['provider/src/pulumi/probe.ts', '../../../runtime/src/app/app-manager', /only through runtime\/src\/client/],
    ['provider/src/terraform/probe.ts', '../../../runtime/src/vm/machine', /only through runtime\/src\/client/],
    ['runtime/src/cli/probe.ts', '../../../test/support/runtime', /does not import tests/],
  ];
  for (const [file, from, message] of refused) {
    it(`refuses ${from} in ${file}`, async () => assert.match((await refusal(file, from)) ?? 'allowed', message));
  }

  const allowed: [string, string][] = [
    ['provider/src/pulumi/probe.ts', '../../../runtime/src/client/client'],
    ['provider/src/terraform/probe.ts', '../../../schema/src/types'],
    ['runtime/src/app/probe.ts', '../../../schema/src/normalize'],
    ['test/vm/probe.ts', '../../runtime/src/app/app-manager'],
  ];
  for (const [file, from] of allowed) {
    it(`allows ${from} in ${file}`, async () => assert.equal(await refusal(file, from), undefined));
  }
});
