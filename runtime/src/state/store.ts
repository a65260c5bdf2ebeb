// The daemon's state: one JSON file per resource under $LTTLE_HOME/state,
// each replaced atomically, so a SIGKILL at any moment leaves every record
// whole (old or new). Leftover temp files of an interrupted write are ignored
// and swept at open.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BadRequestError } from '../../../schema/src/errors';
import { isName } from '../../../schema/src/schema';
import { removeFileDurable, writeFileAtomic } from '../util/atomic-file';

export class StateStore<T> {
  private readonly dir: string;

  constructor(
    root: string,
    kind: string,
    /** Told about a record that cannot be read: it is skipped, never a reason to refuse the start. */
    private readonly onUnreadable: (file: string, err: Error) => void = () => undefined,
  ) {
    this.dir = path.resolve(root, 'state', kind);
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const ns of fs.readdirSync(this.dir)) {
      const nsDir = path.join(this.dir, ns);
      for (const entry of fs.readdirSync(nsDir)) if (entry.endsWith('.tmp')) fs.rmSync(path.join(nsDir, entry), { force: true });
    }
  }

  /** Defence in depth behind the router's name check: a record's file never leaves the store's directory. */
  private file(namespace: string, name: string): string {
    const file = path.resolve(this.dir, namespace, `${name}.json`);
    if (!isName(namespace) || !isName(name) || path.dirname(path.dirname(file)) !== this.dir) {
      throw new BadRequestError(`refusing a state path outside the store: ${JSON.stringify(`${namespace}/${name}`)}`);
    }
    return file;
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
    if (namespace !== undefined && !isName(namespace)) return [];
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
        try {
          const record = this.get(ns, entry.slice(0, -'.json'.length));
          if (record) out.push(record);
        } catch (err) {
          this.onUnreadable(path.join(this.dir, ns, entry), err as Error);
        }
      }
    }
    return out;
  }
}
