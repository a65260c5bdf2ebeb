// `lttle image prune`: deletes what no reference of the store and no app uses.
// Reachability is computed from the refs (tags, pins, local builds) plus the
// manifests of the apps' images, so a running app never loses its rootfs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageStore } from './image-store';
import type { ImageIndex, ImageManifest } from './oci';

export interface PruneResult {
  blobs: number;
  rootfs: number;
  bytes: number;
}

/** @param inUse manifest digests that apps use (kept even without a reference) */
export function pruneStore(store: ImageStore, inUse: string[]): PruneResult {
  const manifests = new Set([...Object.values(store.refs()), ...inUse]);
  const keep = new Set<string>();
  for (const digest of manifests) {
    if (!fs.existsSync(store.blobPath(digest))) continue;
    keep.add(digest);
    const manifest = store.readJsonBlob<ImageManifest>(digest);
    for (const d of [manifest.config, ...manifest.layers]) keep.add(d.digest);
  }
  const result: PruneResult = { blobs: 0, rootfs: 0, bytes: 0 };
  const remove = (file: string) => {
    result.bytes += fs.statSync(file).size;
    fs.rmSync(file, { force: true });
  };
  const blobs = path.join(store.directory, 'blobs');
  for (const algo of fs.existsSync(blobs) ? fs.readdirSync(blobs) : []) {
    for (const name of fs.readdirSync(path.join(blobs, algo))) {
      // Anything that is not a finished blob (a killed pull's temporary file) goes too.
      if (keep.has(`${algo}:${name}`)) continue;
      remove(path.join(blobs, algo, name));
      result.blobs++;
    }
  }
  const rootfsDir = path.join(store.directory, 'rootfs');
  for (const name of fs.existsSync(rootfsDir) ? fs.readdirSync(rootfsDir) : []) {
    const m = /^([a-f0-9]{64})\.ext4$/.exec(name);
    if (m && keep.has(`sha256:${m[1]}`)) continue;
    remove(path.join(rootfsDir, name));
    result.rootfs++;
  }
  // skopeo's index of the layout names each pull; drop the entries whose manifest is gone.
  const indexFile = path.join(store.directory, 'index.json');
  if (fs.existsSync(indexFile)) {
    const index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as ImageIndex;
    index.manifests = index.manifests.filter((m) => keep.has(m.digest));
    fs.writeFileSync(`${indexFile}.tmp`, JSON.stringify(index));
    fs.renameSync(`${indexFile}.tmp`, indexFile);
  }
  return result;
}
