// Moves of apps between hosts, asked by an App's `lttle.dev/move-to` annotation
// (`lttle app move --to HOST` sets it). The agent of the host the app runs on
// deep-suspends it, streams it with its volumes to the agent of the target host
// (agent-api.ts), then commits the move in the cluster: its volumes are bound to
// the target (conditional on their resourceVersion, the same fence as the first
// binding) and its Pod is deleted, so the next Pod is placed there. Only then is
// the local copy deleted. Cut short before the commit, the app stays here;
// after it, the agent that comes back finds the volumes bound to the target and
// finishes by deleting the Pod.
import type { Readable } from 'node:stream';
import { ConflictError } from '../../../schema/src/errors';
import { sendArrival, API_ANNOTATION } from './agent-api';
import type { KubeClient } from './kube-client';
import { unfit, type NodeAllocatable, type PodResources } from './node-fit';

export const MOVE_ANNOTATION = 'lttle.dev/move-to';
/** When the move was asked: a new ask is tried at once, and its refusal names it. */
export const MOVE_ASKED_ANNOTATION = 'lttle.dev/move-asked-at';
const GROUP = '/apis/lttle.dev/v1alpha1';
/** A refused move is tried again this long after (the target may become Ready). */
const RETRY_MS = 10_000;

interface Meta {
  name: string;
  namespace: string;
  resourceVersion: string;
  annotations?: Record<string, string>;
}
export interface MovableApp {
  metadata: Meta;
}
export interface MovableVolume {
  metadata: Meta;
  status?: { host?: string };
}
export interface TargetNode extends NodeAllocatable {
  metadata: { name: string; annotations?: Record<string, string> };
  ready: boolean;
}

/** The host's side of a move (AppMoves). */
export interface LocalMoves {
  moveOut(namespace: string, name: string, send: (stream: Readable) => Promise<void>, commit: () => Promise<void>): Promise<void>;
}

export class AppMover {
  private readonly refused = new Map<string, { to: string; asked?: string; message: string; at: number }>();

  constructor(
    private readonly client: KubeClient,
    private readonly nodeName: string,
    private readonly local: LocalMoves,
    private readonly token: string | undefined,
    private readonly log: (line: string) => void,
  ) {}

  /** The host an app placed here is asked to move to, if another. */
  wanted(app: MovableApp): string | undefined {
    const to = app.metadata.annotations?.[MOVE_ANNOTATION];
    return to && to !== this.nodeName ? to : undefined;
  }

  /** Why the move asked of the app was refused, for its status. */
  refusal(app: MovableApp): string | undefined {
    const last = this.refused.get(`${app.metadata.namespace}/${app.metadata.name}`);
    return last && last.to === this.wanted(app) && last.asked === app.metadata.annotations?.[MOVE_ASKED_ANNOTATION] ? last.message : undefined;
  }

  /** Moves the app to the host its annotation names; a refusal is kept (refusal()) and tried again later. */
  async move(app: MovableApp, pod: PodResources, pods: PodResources[], volumes: MovableVolume[], nodes: TargetNode[]): Promise<void> {
    const to = this.wanted(app);
    if (!to) return;
    const { namespace, name } = app.metadata;
    const id = `${namespace}/${name}`;
    const asked = app.metadata.annotations?.[MOVE_ASKED_ANNOTATION];
    const last = this.refused.get(id);
    if (last && last.to === to && last.asked === asked && Date.now() - last.at < RETRY_MS) return;
    try {
      const target = nodes.find((n) => n.metadata.name === to);
      if (!target) throw new ConflictError(`host ${to} is not a node of this cluster`);
      if (!target.ready) throw new ConflictError(`host ${to} is not Ready`);
      const api = target.metadata.annotations?.[API_ANNOTATION];
      if (!api || !this.token) throw new ConflictError(`the agents of ${this.nodeName} and ${to} need their API (LTTLE_LISTEN and LTTLE_TOKEN) to move an app`);
      const deletePod = async () => {
        const res = await this.client.request('DELETE', `/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}?gracePeriodSeconds=0`);
        if (res.status >= 300 && res.status !== 404) throw new Error(`deleting the pod of ${id}: HTTP ${res.status}`);
      };
      // Committed by a run of this agent that was cut short: finish it.
      if (volumes.length && volumes.every((v) => v.status?.host === to)) return await deletePod();
      // Its next Pod must be placeable there, or it would wait with its volumes bound to a full host.
      const short = unfit(target, pods, pod);
      if (short) throw new ConflictError(short);
      this.log(`node agent: moving ${id} to ${to}`);
      const token = this.token;
      await this.local.moveOut(
        namespace,
        name,
        (stream) => sendArrival(api, token, namespace, name, stream),
        async () => {
          for (const volume of volumes) await this.rebind(volume, to);
          await deletePod();
        },
      );
      this.refused.delete(id);
      this.log(`node agent: moved ${id} to ${to}`);
    } catch (err) {
      const message = `move to ${to} refused: ${(err as Error).message}${asked ? ` (asked ${asked})` : ''}`;
      this.refused.set(id, { to, asked, message, at: Date.now() });
      this.log(`node agent: ${id}: ${message}`);
    }
  }

  /** Binds a volume bound here to `to`, unless it changed since it was read (then nothing is committed). */
  private async rebind(volume: MovableVolume, to: string): Promise<void> {
    const path = `${GROUP}/namespaces/${volume.metadata.namespace}/volumes/${volume.metadata.name}/status`;
    const res = await this.client.request('PATCH', path, {
      metadata: { resourceVersion: volume.metadata.resourceVersion },
      status: { host: to, state: 'bound' },
    });
    if (res.status >= 300) throw new Error(`binding volume ${volume.metadata.name} to ${to}: HTTP ${res.status}`);
  }
}
