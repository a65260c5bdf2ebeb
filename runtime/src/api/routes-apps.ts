// The app routes of lttled's API (API.md): the HTTP face of the AppManager.
import type { ServerResponse } from 'node:http';
import { BadRequestError, ConflictError, NotFoundError } from '../../../schema/src/errors';
import type { ForkRequest } from '../app/fork';
import { normaliseApp } from '../../../schema/src/normalize';
import type { AppController } from '../app/app-controller';
import type { AppManager } from '../app/app-manager';
import type { KeyedMutex } from './keyed-mutex';
import type { Router } from './router';
import { parseBody } from './parse-body';

export function addAppRoutes(router: Router, locks: KeyedMutex, apps: AppManager): void {
  const find = (params: Record<string, string>) => {
    const app = apps.get(params.namespace, params.name);
    if (!app) throw NotFoundError.of(`app ${params.namespace}/${params.name}`);
    return app;
  };
  router.add('GET', '/v1/apps', async ({ query }) => apps.list(query.get('namespace') ?? undefined));
  router.add('GET', '/v1/apps/:namespace/:name', async ({ params }) => {
    const app = find(params);
    // Best effort: without a fresh answer from the guest the status keeps the last usage known.
    await app.refreshVolumeUsage().catch(() => undefined);
    return app.status();
  });
  router.add('PUT', '/v1/apps/:namespace/:name', async ({ params, body, query }) => {
    const spec = parseBody('app', body, params, normaliseApp);
    return locks.run(`app/${spec.namespace}/${spec.name}`, () => apps.apply(spec, query.get('dryRun') === 'true'));
  });
  router.add('DELETE', '/v1/apps/:namespace/:name', async ({ params }) =>
    locks.run(`app/${params.namespace}/${params.name}`, async () => {
      await apps.delete(params.namespace, params.name);
      return {};
    }),
  );
  router.add('POST', '/v1/apps/:namespace/:name/suspend', async ({ params }) => {
    const app = find(params);
    if (app.spec.mode === 'regular') throw new ConflictError(`app ${app.id} is in regular mode; only flash-mode apps suspend`);
    await app.suspend('operator request', true);
    return app.status();
  });
  router.add('POST', '/v1/apps/:namespace/:name/resume', async ({ params }) => {
    const app = find(params);
    await app.resume('operator request');
    return app.status();
  });
  router.add('POST', '/v1/apps/:namespace/:name/fork', async ({ params, body }) => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('the request body must be an object with "to"');
    const request = body as ForkRequest;
    return locks.run(`app/${params.namespace}/${request.to}`, () => apps.fork(params.namespace, params.name, request));
  });
  router.add('GET', '/v1/apps/:namespace/:name/logs', async ({ params, query, res }) => {
    const app = find(params);
    const tail = query.get('tail');
    streamLogs(app, tail === null ? undefined : Number(tail), query.get('follow') === 'true', res);
    return undefined;
  });
}

function streamLogs(app: AppController, tail: number | undefined, follow: boolean, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  for (const line of app.logs.read(tail)) res.write(JSON.stringify(line) + '\n');
  if (!follow) {
    res.end();
    return;
  }
  // Not req.destroyed: a request is "destroyed" as soon as its (empty) body has been read.
  const onLine = (line: unknown) => {
    if (res.destroyed || res.socket?.destroyed) return stop();
    res.write(JSON.stringify(line) + '\n');
  };
  const stop = () => {
    app.logs.off('line', onLine);
    res.end();
  };
  app.logs.on('line', onLine);
  res.on('close', stop);
}
