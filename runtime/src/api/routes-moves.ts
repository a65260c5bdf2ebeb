// The route by which a host receives an app moved from another (app-moves.ts):
// the body is the move package, a tar stream, not JSON.
import type { AppMoves } from '../app/app-moves';
import type { KeyedMutex } from './keyed-mutex';
import type { Router } from './router';

export function addMoveRoutes(router: Router, locks: KeyedMutex, moves: AppMoves): void {
  router.add(
    'PUT',
    '/v1/arrivals/:namespace/:name',
    async ({ params, req }) =>
      locks.run(`app/${params.namespace}/${params.name}`, async () => {
        await moves.receive(params.namespace, params.name, req);
        return {};
      }),
    { streamsBody: true },
  );
}
