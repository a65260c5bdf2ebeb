// An App's status in Kubernetes, from what the local controller reports: the
// state `lttle app get` shows, where to reach it, since when it sleeps, and
// what keeps it awake (the complaint users of scale-to-zero databases make
// most: something keeps it up and nobody can see what).
import type { AppStatus } from '../../../schema/src/types';

export interface AppResourceStatus {
  state: string;
  host?: string;
  endpoint?: string;
  services?: { name: string; address: string; internalName?: string }[];
  suspendedSince?: string;
  keptAwakeBy?: string[];
  message?: string;
  observedGeneration?: number;
  conditions: { type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string; lastTransitionTime: string }[];
}

function keptAwakeBy(status: AppStatus): string[] {
  const awake = status.flash?.awake;
  if (!awake) return [];
  const reasons = awake.connections.filter((c) => c.counted).map((c) => `connection from ${c.client} to ${c.service} (idle ${c.idleSeconds} s)`);
  if (awake.locksHeld) reasons.push(`${awake.locksHeld} query lock(s) held in the guest`);
  if (awake.holds) reasons.push(`${awake.holds} exec session(s)`);
  return reasons;
}

/** The state users read: a suspended flash app says which tier it sleeps in. */
function stateOf(status: AppStatus): string {
  if (status.state === 'suspended' && status.flash?.deep) return 'deep-suspended';
  if (status.state === 'suspended' && status.flash?.pagedOutSince) return 'paged-out';
  return status.state;
}

export function appResourceStatus(status: AppStatus, host: string, generation: number | undefined, now: string): AppResourceStatus {
  const ready = status.state === 'ready' || status.state === 'suspended';
  const services = status.services.map((s) => ({ name: s.name, address: s.hostAddress, ...(s.address !== s.hostAddress ? { internalName: s.address } : {}) }));
  return {
    state: stateOf(status),
    host,
    ...(services.length ? { endpoint: services[0].address, services } : {}),
    ...(status.flash?.suspendedSince ? { suspendedSince: status.flash.suspendedSince } : {}),
    keptAwakeBy: keptAwakeBy(status),
    ...(status.message ? { message: status.message } : {}),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions: [
      {
        type: 'Ready',
        status: ready ? 'True' : 'False',
        reason: ready ? 'Serving' : status.state.replace(/(^|-)([a-z])/g, (_, _d: string, c: string) => c.toUpperCase()),
        message: status.message ?? `the app is ${stateOf(status)} on ${host}`,
        lastTransitionTime: now,
      },
    ],
  };
}

/** A status that says why the app does not run (waiting for its host, a bad spec, a volume held elsewhere). */
export function waitingStatus(reason: string, message: string, now: string, host?: string): AppResourceStatus {
  return { state: 'waiting', ...(host ? { host } : {}), message, conditions: [{ type: 'Ready', status: 'False', reason, message, lastTransitionTime: now }] };
}
