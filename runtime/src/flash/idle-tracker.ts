// Decides when a flash-mode machine is idle: no counted connection and no
// flash lock for `timeout` seconds. Connection-aware services count every
// open connection; traffic-aware ones only connections with traffic in the
// last inactivity-timeout seconds.
import type { AppSpec, AwakeReasons, ConnectionTracking } from '../../../schema/src/types';
import type { TrackedConnection } from '../proxy/service-proxy';

/** Each service's connection tracking, as the tracker takes it. */
export function trackingByService(spec: AppSpec): Record<string, ConnectionTracking> {
  return Object.fromEntries(Object.entries(spec.expose).map(([k, v]) => [k, v['connection-tracking']]));
}

/** How often idleness is re-evaluated: the precision of the suspend timeout. */
export const CHECK_INTERVAL_MS = 100;

export class IdleTracker {
  private readonly connections = new Set<TrackedConnection>();
  private locks = 0;
  private idleSince?: number;
  private ticker?: NodeJS.Timeout;
  /** Connections opened by the runtime itself (exec sessions) that always count. */
  private holds = 0;

  constructor(
    private timeoutMs: number,
    private tracking: Record<string, ConnectionTracking>,
    private readonly onIdle: () => void,
  ) {}

  configure(timeoutSeconds: number, tracking: Record<string, ConnectionTracking>): void {
    this.timeoutMs = timeoutSeconds * 1000;
    this.tracking = tracking;
  }

  add(conn: TrackedConnection): void {
    this.connections.add(conn);
    this.idleSince = undefined;
  }

  remove(conn: TrackedConnection): void {
    this.connections.delete(conn);
  }

  hold(): () => void {
    this.holds++;
    this.idleSince = undefined;
    let released = false;
    return () => {
      if (!released) this.holds--;
      released = true;
    };
  }

  setLocks(count: number): void {
    this.locks = count;
  }

  get openConnections(): number {
    return this.connections.size;
  }

  /**
   * Connections a deep suspend would break. One its client has closed is left
   * out: a suspended guest never answers its close, and QEMU's exit ends it.
   */
  get liveConnections(): number {
    let live = 0;
    for (const conn of this.connections) if (!conn.clientClosed) live++;
    return live;
  }

  get locksHeld(): number {
    return this.locks;
  }

  /** What keeps the machine awake now: each connection (and whether it counts), locks, holds. */
  awake(now = Date.now()): AwakeReasons {
    let last = 0;
    const connections = [...this.connections].map((conn) => {
      last = Math.max(last, conn.lastActivity);
      const seen = { client: conn.client, service: conn.service, idleSeconds: Math.floor((now - conn.lastActivity) / 1000), counted: this.counts(conn, now) };
      return conn.clientClosed ? { ...seen, clientClosed: true } : seen;
    });
    return { connections, locksHeld: this.locks, holds: this.holds, ...(last ? { lastTrafficAt: new Date(last).toISOString() } : {}) };
  }

  private counts(conn: TrackedConnection, now: number): boolean {
    const mode = this.tracking[conn.service] ?? 'connection-aware';
    return mode === 'connection-aware' || now - conn.lastActivity < mode['traffic-aware']['inactivity-timeout'] * 1000;
  }

  /** True while something keeps the machine awake. */
  busy(now = Date.now()): boolean {
    if (this.locks > 0 || this.holds > 0) return true;
    for (const conn of this.connections) if (this.counts(conn, now)) return true;
    return false;
  }

  /** Starts watching (the machine is ready in flash mode). */
  start(): void {
    this.idleSince = undefined;
    this.ticker ??= setInterval(() => this.evaluate(), CHECK_INTERVAL_MS);
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.idleSince = undefined;
  }

  private evaluate(): void {
    const now = Date.now();
    if (this.busy(now)) {
      this.idleSince = undefined;
      return;
    }
    this.idleSince ??= now;
    if (now - this.idleSince >= this.timeoutMs) {
      this.stop();
      this.onIdle();
    }
  }
}
