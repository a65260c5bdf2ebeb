import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../../../schema/src/paths';
import { generateProps, PROPS_FILE } from './props-gen';

describe('cdktf props', () => {
  it('props.ts is current: regenerate with `make docs` after a schema change', async () => {
    const committed = fs.readFileSync(path.join(packageRoot(), PROPS_FILE), 'utf8');
    assert.equal(committed, await generateProps(), `${PROPS_FILE} is stale: run make docs`);
  });
});
