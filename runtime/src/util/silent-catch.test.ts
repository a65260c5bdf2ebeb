import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../../schema/src/paths';

// A promise's failure dropped without a word hides real failures; the ones
// kept must say on their line, or the line before, why dropping is safe.
describe('sources: every dropped promise failure says why it is safe', () => {
  const SILENT = /\.catch\(\(\) => (undefined|\{\})\)/;

  function sources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) return sources(file);
      return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [file] : [];
    });
  }

  it('runtime, provider and schema sources', () => {
    const bare: string[] = [];
    for (const file of ['runtime/src', 'provider/src', 'schema/src'].flatMap((d) => sources(path.join(packageRoot(), d)))) {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (SILENT.test(line) && !line.includes('//') && !lines[i - 1]?.trimStart().startsWith('//'))
          bare.push(`${path.relative(packageRoot(), file)}:${i + 1}`);
      });
    }
    assert.deepEqual(bare, []);
  });
});
