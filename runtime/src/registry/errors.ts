// Pull failures a user can act on, told apart from skopeo's messages.
import { repositoryOf, type ImageReference } from './reference';

export type RegistryErrorKind = 'unknown-image' | 'no-such-tag' | 'manifest-unknown' | 'unauthorized' | 'unreachable' | 'corrupt' | 'unavailable' | 'failed';

export class RegistryError extends Error {
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** The last "msg=..." of skopeo's log line, or its last line. */
function lastMessage(stderr: string): string {
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(stderr.trim().split('\n').pop() ?? '');
  return (m ? m[1].replace(/\\"/g, '"') : stderr.trim().split('\n').pop()) ?? '';
}

export function classifySkopeoError(ref: ImageReference, stderr: string): RegistryError {
  const msg = lastMessage(stderr);
  const name = ref.repository ? repositoryOf(ref) : ref.registry;
  if (/manifest unknown/i.test(msg)) return new RegistryError('manifest-unknown', msg);
  if (/name unknown|repository name not known/i.test(msg)) return new RegistryError('unknown-image', `image ${name} does not exist on ${ref.registry}`);
  if (/unauthorized|authentication required|401|invalid username\/password|denied/i.test(msg))
    return new RegistryError(
      'unauthorized',
      `registry ${ref.registry} refused access to ${name}: unauthorized (log in with \`lttle registry login ${ref.registry}\`)`,
    );
  if (/connection refused|no such host|i\/o timeout|network is unreachable|connection reset|server misbehaving|EOF$/i.test(msg))
    return new RegistryError('unreachable', `registry ${ref.registry} is not reachable: ${msg.replace(/^.*?(dial tcp|lookup)/, '$1')}`);
  if (/http response to https client/i.test(msg))
    return new RegistryError(
      'unreachable',
      `registry ${ref.registry} speaks plain HTTP; allow it with LTTLE_INSECURE_REGISTRIES=${ref.registry} (only loopback registries are allowed by default)`,
    );
  if (/digest did not match|does not match|digest mismatch|computed digest/i.test(msg))
    return new RegistryError('corrupt', `image ${name}: a blob from ${ref.registry} does not match its digest, refused: ${msg}`);
  return new RegistryError('failed', `pulling ${name} from ${ref.registry} failed: ${msg}`);
}
