// The apps of a deploy are applied and waited for together: an app waits for
// its volumes inside the runtime, not for other apps, so booting them one
// after another would only add their boot times up.
import { LttleError } from '../../../../schema/src/errors';
import type { LoadedResource } from '../../../../schema/src/documents';
import type { RuntimeClient } from '../../client/client';
import type { CommandContext } from '../context';
import { Progress } from '../output';

/** What deploy needs of the runtime: tests give a fake of it instead of a daemon. */
export type DeployClient = Pick<RuntimeClient, 'applyVolume' | 'applyApp' | 'getVolume' | 'listVolumes' | 'waitSettled' | 'logs'>;
export type DeployContext = Omit<CommandContext, 'client'> & { client: DeployClient };

export interface Deployed {
  kind: string;
  namespace: string;
  name: string;
  action: string;
  state: string;
}

type AppResource = Extract<LoadedResource, { kind: 'app' }>;
type Outcome = { deployed: Deployed } | { failure: string };

/** Every app's result in the order given, whatever order they settle in; one failure does not stop the others. */
export async function deployApps(
  ctx: DeployContext,
  apps: AppResource[],
  options: { wait: boolean; timeoutMs: number },
): Promise<{ deployed: Deployed[]; failures: string[] }> {
  const progress = new Progress();
  // One status line for all apps still being waited for: concurrent lines would overwrite each other.
  const waiting = new Map<string, string>();
  const show = (id: string, text?: string) => {
    if (text === undefined) waiting.delete(id);
    else waiting.set(id, text);
    if (waiting.size) progress.update([...waiting].map(([app, state]) => `app ${app}: ${state}`).join('; '));
    else progress.done();
  };
  const outcomes = await Promise.all(apps.map((r) => deployApp(ctx, r, options, show)));
  return {
    deployed: outcomes.flatMap((o) => ('deployed' in o ? [o.deployed] : [])),
    failures: outcomes.flatMap((o) => ('failure' in o ? [o.failure] : [])),
  };
}

async function deployApp(
  ctx: DeployContext,
  r: AppResource,
  options: { wait: boolean; timeoutMs: number },
  show: (id: string, text?: string) => void,
): Promise<Outcome> {
  const { namespace, name } = r.spec;
  const id = `${namespace}/${name}`;
  let applied: Awaited<ReturnType<DeployClient['applyApp']>>;
  try {
    applied = await ctx.client.applyApp(r.spec);
  } catch (err) {
    return { failure: `app ${id}: ${(err as Error).message}` };
  }
  const deployed = (state: string): Outcome => ({ deployed: { kind: 'app', namespace, name, action: applied.plan.action, state } });
  if (!options.wait) return deployed(applied.status.state);
  try {
    const status = await ctx.client.waitSettled('app', applied.status, {
      timeoutMs: options.timeoutMs,
      timeoutHint: 'wait longer with --timeout SECONDS',
      onProgress: (s) => show(id, `${s.state}${s.message ? ` (${s.message})` : ''}`),
    });
    return deployed(status.state);
  } catch (err) {
    if (!(err instanceof LttleError)) return { failure: `app ${id}: ${(err as Error).message}` };
    const lines: string[] = [];
    // The log tail only illustrates the failure; without it the failure is still reported.
    await ctx.client.logs(namespace, name, { tail: 15 }, (l) => lines.push(l.line)).catch(() => undefined);
    return { failure: `${err.message}${lines.length ? `\nlast log lines of ${id}:\n  ${lines.join('\n  ')}` : ''}` };
  } finally {
    show(id);
  }
}
