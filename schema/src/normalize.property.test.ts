// Property tests of the document normaliser: any input gives a located error or
// a spec that round-trips, never an exception. fast-check is not among this
// project's packages, so inputs come from a small seeded generator (mulberry32):
// every run sees the same cases, and a failure names its seed and case.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { DocumentError, loadDocumentsFromText } from './documents';
import { normaliseApp, normaliseVolume } from './normalize';
import { packageRoot } from './paths';

const SEED_TEXT = fs.readFileSync(path.join(packageRoot(), 'examples', 'postgres', 'postgresql.lttle.yaml'), 'utf8');
const SEED = Number(process.env.LTTLE_PROPERTY_SEED ?? 20261127);
const CASES = 1500;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Field names the schemas know, so mutations often hit real fields, plus noise. */
const KEYS = [
  'name',
  'namespace',
  'mode',
  'size',
  'image',
  'environment',
  'resources',
  'cpu',
  'memory',
  'volumes',
  'path',
  'expose',
  'port',
  'internal',
  'external',
  'host',
  'flash',
  'strategy',
  'timeout',
  'regular',
  'command',
  'args',
  'restart-policy',
  'depends-on',
  'x',
  '__proto__',
  'constructor',
  '',
];
const STRINGS = [
  '',
  'pgdata',
  'samples',
  '100Mi',
  '-1G',
  '1.5GB',
  '0',
  'manual',
  'first-listen',
  'regular',
  '/data',
  'data',
  '../x',
  '..%2F',
  '\u0000',
  'é',
  'а',
  'x'.repeat(300),
  'ghcr.io/lttle-cloud/postgres:17-flash',
  'writeable',
  'read-only',
];
const NUMBERS = [0, 1, -1, 3, 256, 5432, 65536, 1.5, 1e308, Number.MAX_SAFE_INTEGER, 104857600];

class Gen {
  constructor(readonly rnd: () => number) {}
  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }
  value(depth = 0): Json {
    switch (this.int(depth > 2 ? 4 : 6)) {
      case 0:
        return null;
      case 1:
        return this.rnd() < 0.5;
      case 2:
        return this.pick(NUMBERS);
      case 3:
        return this.pick(STRINGS);
      case 4:
        return Array.from({ length: this.int(3) }, () => this.value(depth + 1));
      default:
        return Object.fromEntries(Array.from({ length: this.int(4) }, () => [this.pick(KEYS), this.value(depth + 1)]));
    }
  }
  /** A copy of `base` with one to three random changes: a value replaced, a key removed or added. */
  mutate(base: Json): Json {
    const copy = JSON.parse(JSON.stringify(base)) as Json;
    for (let i = 1 + this.int(3); i > 0; i--) {
      const objects: { [k: string]: Json }[] = [];
      const walk = (v: Json) => {
        if (v && typeof v === 'object' && !Array.isArray(v)) {
          objects.push(v);
          Object.values(v).forEach(walk);
        } else if (Array.isArray(v)) v.forEach(walk);
      };
      walk(copy);
      const target = this.pick(objects);
      const keys = Object.keys(target);
      const op = this.int(3);
      if (op === 0 && keys.length) delete target[this.pick(keys)];
      else if (op === 1 && keys.length) target[this.pick(keys)] = this.value(1);
      else target[this.pick(KEYS)] = this.value(1);
    }
    return copy;
  }
}

const docs = loadDocumentsFromText(SEED_TEXT, 'seed.yaml');
const seedBodies = {
  volume: JSON.parse(JSON.stringify({ ...docs[0].spec, size: '100Mi' })) as Json,
  // The seed's app document as written (not normalised).
  app: (parse(SEED_TEXT.split('\n---\n')[1]) as { app: Json }).app,
};

/** True when `issue.path` points into `body` (or names a missing/unknown key of an object in it). */
function located(body: unknown, issuePath: (string | number)[]): boolean {
  let v: unknown = body;
  for (let i = 0; i < issuePath.length; i++) {
    if (v === null || typeof v !== 'object') return false;
    const next = (v as Record<string | number, unknown>)[issuePath[i]];
    if (next === undefined) return i === issuePath.length - 1;
    v = next;
  }
  return true;
}

describe('the document normaliser under random input (seeded generator)', function () {
  this.timeout(120_000);

  for (const kind of ['volume', 'app'] as const) {
    const normalise = kind === 'volume' ? normaliseVolume : normaliseApp;
    it(`${kind}: any body gives a located error or a spec that round-trips through YAML, never an exception`, () => {
      const gen = new Gen(mulberry32(SEED + (kind === 'app' ? 1 : 0)));
      let accepted = 0;
      for (let i = 0; i < CASES; i++) {
        const body = i % 5 === 0 ? gen.value() : gen.mutate(seedBodies[kind]);
        const what = `seed ${SEED}, case ${i}: ${JSON.stringify(body).slice(0, 300)}`;
        let result: ReturnType<typeof normalise>;
        try {
          result = normalise(body);
        } catch (err) {
          assert.fail(`normalise threw ${(err as Error).stack} for ${what}`);
        }
        if (!result.ok) {
          assert.ok(result.issues.length > 0, `no issue for ${what}`);
          for (const issue of result.issues) {
            assert.ok(issue.message.length > 0, `empty message for ${what}`);
            assert.ok(located(body, issue.path), `issue ${JSON.stringify(issue)} does not point into ${what}`);
          }
          continue;
        }
        accepted++;
        // The same body written as a YAML document loads to the same spec.
        let loaded;
        try {
          loaded = loadDocumentsFromText(stringify({ [kind]: body }), 'case.yaml');
        } catch (err) {
          assert.fail(`the accepted body was refused as YAML: ${String(err)} for ${what}`);
        }
        assert.equal(loaded.length, 1);
        assert.deepEqual(loaded[0].spec, result.spec, what);
        // Normalising is a fixed point: the spec of a spec is itself (where the spec is a valid body).
        const again = normalise(JSON.parse(JSON.stringify(result.spec)));
        if (again.ok) assert.deepEqual(again.spec, result.spec, `not idempotent: ${what}`);
      }
      assert.ok(accepted > CASES / 20, `only ${accepted} of ${CASES} cases were valid: the generator is too wild`);
    });
  }

  it('any mutation of the seed file gives resources or a DocumentError with line and column, never another exception', () => {
    const gen = new Gen(mulberry32(SEED + 2));
    const alphabet = [' ', '\n', ':', '-', '{', '}', '[', ']', '"', "'", '#', '&', '*', '!', '|', '>', '\t', 'a', '0', '---\n', '\u0000'];
    for (let i = 0; i < CASES / 4; i++) {
      let text = SEED_TEXT;
      for (let j = 1 + gen.int(4); j > 0; j--) {
        const at = gen.int(text.length);
        const op = gen.int(3);
        if (op === 0) text = text.slice(0, at) + text.slice(at + 1 + gen.int(8));
        else if (op === 1) text = text.slice(0, at) + gen.pick(alphabet) + text.slice(at);
        else {
          const lines = text.split('\n');
          const a = gen.int(lines.length);
          const b = gen.int(lines.length);
          [lines[a], lines[b]] = [lines[b], lines[a]];
          text = lines.join('\n');
        }
      }
      try {
        loadDocumentsFromText(text, 'case.yaml');
      } catch (err) {
        assert.ok(err instanceof DocumentError, `seed ${SEED}, case ${i}: ${(err as Error)?.stack}\n${text}`);
        for (const issue of err.issues) {
          assert.ok(issue.location.line >= 1 && issue.location.col >= 1, `unlocated issue ${String(issue)} (seed ${SEED}, case ${i})`);
        }
      }
    }
  });
});
