import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { docFiles } from './docs';
import { packageRoot } from './paths';

describe('docs/resources', () => {
  const files = docFiles();

  it('are current: regenerate with `make docs` after a schema or example change', () => {
    for (const [file, text] of Object.entries(files)) {
      const committed = fs.readFileSync(path.join(packageRoot(), file), 'utf8');
      assert.equal(committed, text, `${file} is stale: run make docs`);
    }
  });

  it('document every attribute with its change rule, default and secrecy', () => {
    const app = files[path.join('docs', 'resources', 'app.md')];
    assert.match(app, /\| `environment` \| `environment` \| `environment` \| map \|.*updates in place: the app boots a new machine.*\*\*Sensitive\*\*/);
    assert.match(app, /\| `resources\.memory` \| `resources\.memory` \| `resources\.memory` \| integer \| `256` \|/);
    assert.match(app, /\| `depends-on` \| `dependsOnApps` \| `depends_on_apps` \|/);
    assert.match(app, /\| `name` \|.*\| yes \| replaces the resource/);
    const volume = files[path.join('docs', 'resources', 'volume.md')];
    assert.match(volume, /\| `size` \|.*\| yes \| grows in place; shrinking is refused/);
    assert.match(volume, /terraform import lttle_volume\.pgdata samples\/pgdata/);
    const snapshot = files[path.join('docs', 'resources', 'volume-snapshot.md')];
    assert.match(snapshot, /\| `volume` \| `volume` \| `volume` \| string \|.*\| yes \| replaces the resource/);
    assert.match(snapshot, /Its ID is `namespace\/volume\/name`/);
    assert.match(snapshot, /pulumi import lttle:index:VolumeSnapshot NAME namespace\/volume\/name/);
    assert.match(snapshot, /lttle volume snapshot restore --ns samples pgdata before-migration/);
  });
});
