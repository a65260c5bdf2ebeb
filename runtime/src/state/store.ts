// The daemon's state: one JSON file per resource under $LTTLE_HOME/state,
// each replaced atomically, so a SIGKILL at any moment leaves every record
// whole (old or new). Leftover temp files of an interrupted write are ignored
// and swept at open.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { removeFileDurable, writeFileAtomic } from '../util/atomic-file';

export class StateStore<T> {
  private readonly dir: string;

  constructor(root: string, kind: string) {
    this.dir = path.join(root, 'state', kind);
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const ns of fs.readdirSync(this.dir)) {
      const nsDir = path.join(this.dir, ns);
      for (const entry of fs.readdirSync(nsDir)) if (entry.endsWith('.tmp')) fs.rmSync(path.join(nsDir, entry), { force: true });
    }
  }

  private file(namespace: string, name: string): string {
    return path.join(this.dir, namespace, `${name}.json`);
  }

  get(namespace: string, name: string): T | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.file(namespace, name), 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  put(namespace: string, name: string, record: T): void {
    writeFileAtomic(this.file(namespace, name), JSON.stringify(record, null, 2));
  }

  remove(namespace: string, name: string): void {
    removeFileDurable(this.file(namespace, name));
  }

  list(namespace?: string): T[] {
    const namespaces = namespace ? [namespace] : fs.readdirSync(this.dir).sort();
    const out: T[] = [];
    for (const ns of namespaces) {
      let entries: string[];
      try {
        entries = fs.readdirSync(path.join(this.dir, ns)).sort();
      } catch {
        continue;
      }
      for (const entry of entries) {
        if (!entry.endsWith('.json')) continue;
        const record = this.get(ns, entry.slice(0, -'.json'.length));
        if (record) out.push(record);
      }
    }
    return out;
  }
}
