import * as assert from 'node:assert/strict';
import { helpText } from './args';
import { COMMANDS } from './main';

// The usage line is what `lttle GROUP`, a missing argument and --help show
// first; an option it leaves out is one users do not find.
describe('cli: usage lines', () => {
  for (const [spec] of COMMANDS) {
    it(`lttle ${spec.path}: the usage line names every option it takes`, () => {
      assert.match(spec.usage, new RegExp(`^lttle ${spec.path} `.replace(/ $/, '( |$)')));
      for (const option of spec.options) {
        if (option.name === 'namespace' || option.name === 'wait') continue; // --ns and --no-wait stand for them
        const shown = option.name === 'output' ? '--output json|yaml' : `--${option.name}`;
        const short = option.short ? `-${option.short}` : undefined;
        assert.ok(spec.usage.includes(shown) || (short !== undefined && spec.usage.includes(short)), `${spec.usage} lacks ${shown}`);
      }
    });
  }

  for (const [spec] of COMMANDS.filter(([s]) => s.aliases?.length)) {
    it(`lttle ${spec.path}: --help shows the usage under each alias too`, () => {
      for (const alias of spec.aliases ?? []) assert.ok(helpText(spec).includes(`       lttle ${alias} `), `${helpText(spec)} lacks ${alias}`);
    });
  }

  it('deletes with both verbs: app, volume and image each take rm and delete', () => {
    for (const group of ['app', 'volume', 'image']) {
      const words = COMMANDS.flatMap(([spec]) => [spec.path, ...(spec.aliases ?? [])]);
      assert.ok(words.includes(`${group} rm`) && words.includes(`${group} delete`), `${group}: ${words.join(', ')}`);
    }
  });
});
