import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// The CLI as a shell user meets it, for what needs no daemon: a home of its
// own where nothing runs, so a command that tried to reach lttled would fail.
describe('cli: usage errors and help without a daemon', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-cli-'));
  const lttle = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(__dirname, 'main.js'), ...args], { encoding: 'utf8', env: { ...process.env, LTTLE_HOME: home, LTTLE_HOST: '' } });
  after(() => fs.rmSync(home, { recursive: true, force: true }));

  it('prints the version', () => {
    const res = lttle('--version');
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /^lttle \d+\.\d+\.\d+\n$/);
  });

  it('shows a group without a command as a usage error on stderr, and the group for an unknown command in it', () => {
    const bare = lttle('app');
    assert.equal(bare.status, 2);
    assert.equal(bare.stdout, '');
    assert.match(bare.stderr, /^lttle: app needs a command\nusage:\n {2}lttle app get /);
    const unknown = lttle('app', 'foo');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command "app foo"\n\nusage:\n {2}lttle app get /);
    assert.doesNotMatch(unknown.stderr, /volume list/);
    const help = lttle('app', '--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^usage:\n {2}lttle app get /);
  });

  it('exits 2 for a bad --output and for deploy of a file or directory that is not a document', () => {
    const output = lttle('app', 'list', '--output', 'xml');
    assert.equal(output.status, 2);
    assert.match(output.stderr, /--output must be text, json or yaml, not "xml"/);
    const missing = lttle('deploy', path.join(home, 'nope.yaml'));
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr, `lttle: ${path.join(home, 'nope.yaml')}: no such file\n`);
    const dir = lttle('deploy', home);
    assert.equal(dir.status, 2);
    assert.match(dir.stderr, /is a directory; name the \.lttle\.yaml files in it/);
  });

  it('takes rm and delete alike for apps and volumes, and lists the alias in every usage text', () => {
    for (const [group, verb, alias] of [
      ['app', 'delete', 'rm'],
      ['volume', 'rm', 'delete'],
    ]) {
      const own = lttle(group, verb, '--help');
      const other = lttle(group, alias, '--help');
      assert.equal(own.status, 0, own.stderr);
      assert.equal(other.stdout, own.stdout);
      assert.match(own.stdout, new RegExp(`^usage: lttle ${group} ${verb} \\[--ns NS\\] NAME \\[-y\\]\n {7}lttle ${group} ${alias} \\[--ns NS\\] NAME`));
      const missing = lttle(group, alias);
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, new RegExp(`^lttle: missing argument for \`lttle ${group} ${verb}\``));
      assert.match(lttle(group, '--help').stdout, new RegExp(`\n {2}lttle ${group} ${alias} \\[--ns NS\\] NAME`));
      assert.match(lttle('--help').stdout, new RegExp(`\n {2}${group} ${verb} \\(${alias}\\) +Delete`));
    }
  });
});
