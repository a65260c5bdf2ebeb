// The resource types by type token (lttle:index:Volume, lttle:index:App,
// lttle:index:VolumeSnapshot):
// server.ts dispatches each resource RPC to one of them.
import { app } from './app';
import type { Kind, Operations } from './resource';
import { volume } from './volume';
import { volumeSnapshot } from './volume-snapshot';

export const RESOURCES = { volume, app, 'volume-snapshot': volumeSnapshot } satisfies Record<Kind, Operations & { token: string }>;

/** The kind of a resource from its type token or, when the engine sends none, its URN. */
export function kindOf(type: string, urn: string): Kind | undefined {
  const token = type || typeFromUrn(urn);
  return (Object.keys(RESOURCES) as Kind[]).find((kind) => RESOURCES[kind].token === token);
}

export function resourceFor(type: string, urn: string): Operations | undefined {
  const kind = kindOf(type, urn);
  return kind && RESOURCES[kind];
}

export function tokens(): string[] {
  return Object.values(RESOURCES).map((r) => r.token);
}

/** urn:pulumi:stack::project::parent$lttle:index:Volume::name -> lttle:index:Volume */
export function typeFromUrn(urn: string): string {
  const parts = urn.split('::');
  if (parts.length < 4) return '';
  const qualified = parts[2];
  return qualified.slice(qualified.lastIndexOf('$') + 1);
}

export function nameFromUrn(urn: string): string {
  const parts = urn.split('::');
  return parts.length < 4 ? '' : parts.slice(3).join('::');
}
