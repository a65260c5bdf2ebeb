// `lttle image pull|list|rm|prune`: the host's image store, like `docker image`.
// The CLI opens the store directly: it is on this host beside the daemon, and
// the store's writes are atomic renames of verified files.
import { formatSize } from '../../../../schema/src/size';
import { openImageStore } from '../../image/open-store';
import { pruneStore } from '../../image/image-prune';
import { refKey } from '../../image/image-pull';
import { parseReference } from '../../registry/reference';
import type { CommandSpec } from '../args';
import { CliError, type CommandContext } from '../context';
import { render, table } from '../output';
import { OUTPUT } from './common-options';

export const imagePull: CommandSpec = {
  path: 'image pull',
  usage: 'lttle image pull REFERENCE [--output json|yaml]',
  summary:
    'Pull an image from its registry (name:tag or name@sha256:...) and print the digest it resolved to. Layers already in the store are not fetched again.',
  options: [OUTPUT],
  positionals: { min: 1, max: 1 },
};

export const imageList: CommandSpec = {
  path: 'image list',
  aliases: ['image ls'],
  usage: 'lttle image list [--output json|yaml]',
  summary: 'List the references in the image store and the manifests they name.',
  options: [OUTPUT],
  positionals: { min: 0, max: 0 },
};

export const imageRemove: CommandSpec = {
  path: 'image rm',
  aliases: ['image delete'],
  usage: 'lttle image rm REFERENCE',
  summary: 'Forget a reference; its layers are deleted by the next `lttle image prune` unless another image uses them.',
  options: [],
  positionals: { min: 1, max: 1 },
};

export const imagePrune: CommandSpec = {
  path: 'image prune',
  usage: 'lttle image prune',
  summary: 'Delete layers and root filesystems that no reference and no app uses.',
  options: [],
  positionals: { min: 0, max: 0 },
};

export async function runImagePull(ctx: CommandContext): Promise<void> {
  const store = openImageStore();
  const terminal = process.stderr.isTTY && ctx.format === 'text';
  const resolved = await store.resolve(ctx.args.positionals[0], { pull: true, output: { terminal, progress: terminal ? undefined : (line) => ctx.err(line) } });
  if (ctx.format !== 'text') return ctx.out(render({ reference: resolved.pinned, manifest: resolved.manifestDigest }, ctx.format));
  ctx.out(`Pulled ${resolved.pinned}`);
  if (!resolved.pinned.endsWith(resolved.manifestDigest)) ctx.out(`manifest for this platform: ${resolved.manifestDigest}`);
}

export function runImageList(ctx: CommandContext): Promise<void> {
  const refs = openImageStore().refs();
  const rows = Object.entries(refs).sort(([a], [b]) => a.localeCompare(b));
  if (ctx.format !== 'text')
    ctx.out(
      render(
        rows.map(([reference, manifest]) => ({ reference, manifest })),
        ctx.format,
      ),
    );
  else if (!rows.length) ctx.out('No images.');
  else ctx.out(table(['REFERENCE', 'MANIFEST'], rows));
  return Promise.resolve();
}

export function runImageRemove(ctx: CommandContext): Promise<void> {
  const reference = ctx.args.positionals[0];
  if (!openImageStore().removeRef(reference)) throw new CliError(`image ${reference} is not in the image store (see \`lttle image list\`)`);
  ctx.out(`Removed ${reference}`);
  return Promise.resolve();
}

export async function runImagePrune(ctx: CommandContext): Promise<void> {
  const store = openImageStore();
  // Apps keep their image's manifest even after `image rm`: a running machine's rootfs must stay.
  const refs = store.refs();
  const inUse: string[] = [];
  for (const app of await ctx.client.listApps()) {
    const image = app.spec.image;
    let key = image;
    try {
      key = image in refs ? image : refKey(parseReference(image));
    } catch {
      // An invalid reference names nothing in the store.
    }
    if (refs[key]) inUse.push(refs[key]);
  }
  const result = pruneStore(store, inUse);
  ctx.out(`Deleted ${result.blobs} blob(s) and ${result.rootfs} root filesystem(s), ${formatSize(result.bytes)} reclaimed`);
}
