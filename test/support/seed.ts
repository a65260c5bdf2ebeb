// The seed's documents (examples/postgres/postgresql.lttle.yaml) as objects a
// test edits, written back with the `yaml` library: an edit names the field it
// changes, and a change of the seed's formatting cannot silently miss.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { packageRoot } from '../../schema/src/paths';

export const SEED_FILE = path.join(packageRoot(), 'examples', 'postgres', 'postgresql.lttle.yaml');

export interface SeedVolume {
  name: string;
  namespace: string;
  mode: string;
  size: string;
}

export interface SeedApp {
  name: string;
  namespace: string;
  image: string;
  mode: string | { flash: { strategy: string; timeout: number; 'deep-suspend-after'?: number } };
  environment: Record<string, string>;
  volumes: { name: string; path: string }[];
  expose: Record<string, { port: number; internal?: { namespaces?: string[] } }>;
  [field: string]: unknown;
}

/** A fresh copy of the seed's two documents. */
export function seedDocuments(): { volume: SeedVolume; app: SeedApp } {
  const docs = parseAllDocuments(fs.readFileSync(SEED_FILE, 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
  const volume = docs.find((d) => 'volume' in d)?.volume as SeedVolume | undefined;
  const app = docs.find((d) => 'app' in d)?.app as SeedApp | undefined;
  if (!volume || !app) throw new Error(`${SEED_FILE}: expected a volume and an app document`);
  return { volume, app };
}

/** Documents as one multi-document YAML file. */
export function documentsYaml(...documents: ({ volume: SeedVolume } | { app: SeedApp })[]): string {
  return documents.map((d) => stringify(d)).join('---\n');
}

/** The seed's file with its app edited in place. */
export function seedWith(edit: (app: SeedApp) => void): string {
  const { volume, app } = seedDocuments();
  edit(app);
  return documentsYaml({ volume }, { app });
}

/** The seed's volume document alone, at another size. */
export function seedVolumeYaml(size: string): string {
  const { volume } = seedDocuments();
  return documentsYaml({ volume: { ...volume, size } });
}

/** Turns the seed's flash-mode app into a regular one. */
export function regularMode(app: SeedApp): void {
  app.mode = 'regular';
}

/** The seed's app alone, renamed onto another volume, deep-suspended after 1 s, with extra environment. */
export function deepSuspendingSeedApp(name: string, namespace: string, volume: string, environment: Record<string, string> = {}): string {
  const { app } = seedDocuments();
  if (typeof app.mode === 'string') throw new Error(`${SEED_FILE}: the seed's app is expected in flash mode`);
  app.name = name;
  app.namespace = namespace;
  app.volumes[0].name = volume;
  app.mode.flash['deep-suspend-after'] = 1;
  Object.assign(app.environment, environment);
  return documentsYaml({ app });
}
