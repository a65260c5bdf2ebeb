// Pulling an image from a registry into the store: the store's root is itself
// an OCI layout, so skopeo writes verified blobs straight into the one
// content-addressed blob directory that local imports use, and skips the
// blobs it already holds (layers shared between images are fetched once).
import { copyToLayout, resolveDigest } from '../registry/skopeo';
import { formatReference, repositoryOf, type ImageReference } from '../registry/reference';

export interface PullOutput {
  /** skopeo's progress bars straight on the terminal (the CLI on a TTY). */
  terminal?: boolean;
  progress?: (line: string) => void;
}

export interface Pulled {
  /** repo:tag@digest: what a deploy pins. */
  pinned: string;
  /** The digest the registry served for the reference (an index for a multi-arch image). */
  registryDigest: string;
  /** The digest of the (platform) manifest stored locally. */
  manifestDigest: string;
  /** Keys to record in the store's refs: the tag and the registry digest, both to the local manifest. */
  refs: Record<string, string>;
}

/** The store key of a parsed reference: repo@digest when pinned, else repo:tag. */
export function refKey(ref: ImageReference): string {
  return ref.digest ? `${repositoryOf(ref)}@${ref.digest}` : `${repositoryOf(ref)}:${ref.tag}`;
}

export async function pullInto(layout: string, ref: ImageReference, out: PullOutput): Promise<Pulled> {
  // Resolve once and copy by digest: a tag moved during the pull cannot mix two images.
  const registryDigest = ref.digest ?? (await resolveDigest(ref));
  const name = `lttle-${registryDigest.replace(':', '-')}`;
  const manifestDigest = await copyToLayout(ref, registryDigest, layout, name, out);
  const refs: Record<string, string> = { [`${repositoryOf(ref)}@${registryDigest}`]: manifestDigest };
  if (ref.tag && !ref.digest) refs[`${repositoryOf(ref)}:${ref.tag}`] = manifestDigest;
  return { pinned: formatReference({ ...ref, digest: registryDigest }), registryDigest, manifestDigest, refs };
}
