// The volume routes of lttled's API (API.md): the HTTP face of the VolumeManager.
import { NotFoundError } from '../../../schema/src/errors';
import { normaliseVolume } from '../../../schema/src/normalize';
import type { VolumeManager } from '../volume/volume-manager';
import type { VolumeSnapshots } from '../volume/volume-snapshots';
import type { KeyedMutex } from './keyed-mutex';
import { parseBody } from './parse-body';
import type { Router } from './router';

export function addVolumeRoutes(router: Router, locks: KeyedMutex, volumes: VolumeManager, snapshots: VolumeSnapshots): void {
  router.add('GET', '/v1/volumes', async ({ query }) => volumes.list(query.get('namespace') ?? undefined));
  router.add('GET', '/v1/volumes/:namespace/:name', async ({ params }) => {
    return (await volumes.getLive(params.namespace, params.name)) ?? Promise.reject(NotFoundError.of(`volume ${params.namespace}/${params.name}`));
  });
  router.add('PUT', '/v1/volumes/:namespace/:name', async ({ params, body, query }) => {
    const spec = parseBody('volume', body, params, normaliseVolume);
    return locks.run(`volume/${spec.namespace}/${spec.name}`, async () => {
      if (query.get('dryRun') === 'true') {
        const plan = volumes.plan(spec);
        return { status: volumes.get(spec.namespace, spec.name) ?? null, plan };
      }
      return volumes.apply(spec);
    });
  });
  router.add('DELETE', '/v1/volumes/:namespace/:name', async ({ params }) =>
    locks.run(`volume/${params.namespace}/${params.name}`, async () => {
      await volumes.delete(params.namespace, params.name);
      return {};
    }),
  );
  // Snapshots take turns with every other change of their volume.
  const volumeLock = (params: Record<string, string>) => `volume/${params.namespace}/${params.name}`;
  router.add('GET', '/v1/volumes/:namespace/:name/snapshots', async ({ params }) => snapshots.list(params.namespace, params.name));
  router.add('PUT', '/v1/volumes/:namespace/:name/snapshots/:snapshot', async ({ params }) =>
    locks.run(volumeLock(params), () => snapshots.create(params.namespace, params.name, params.snapshot)),
  );
  router.add('POST', '/v1/volumes/:namespace/:name/snapshots/:snapshot/restore', async ({ params }) =>
    locks.run(volumeLock(params), () => snapshots.restore(params.namespace, params.name, params.snapshot)),
  );
  router.add('DELETE', '/v1/volumes/:namespace/:name/snapshots/:snapshot', async ({ params }) =>
    locks.run(volumeLock(params), async () => {
      snapshots.remove(params.namespace, params.name, params.snapshot);
      return {};
    }),
  );
}
