import * as assert from 'node:assert/strict';
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
});
