// Tiers by the host's memory: a suspended app keeps its paused QEMU (its RAM
// resident, the fastest wake) while the host has memory to spare; when the
// host's available memory falls below a threshold, suspended apps are
// deep-suspended ahead of their `deep-suspend-after`, those with their guest RAM
// still resident first (a paged-out one frees least), then the least recently
// suspended, one per look (each frees a QEMU's worth, ~300 MiB), until
// the host is above the threshold again. `deep-suspend-after` stays the upper
// bound; an app with `0` (never) is never picked.
import * as fs from 'node:fs';

/** The tiers' settings, as the daemon reads them (documented in README.md, "Density and tiers"). */
export interface PressureSettings {
  /** Deep-suspend early while MemAvailable is below this (MiB). */
  belowMiB: number;
  /** How often MemAvailable is read (ms). */
  pollMs: number;
}

/** With the page-out delay of the tier between paused and deep (flash-control.ts). */
export interface TierSettings extends PressureSettings {
  /** Seconds a suspended app keeps its guest RAM resident before it is paged out (0 = never). */
  pageOutAfterS: number;
}

export function tierSettings(env: NodeJS.ProcessEnv = process.env): TierSettings {
  const number = (name: string, fallback: number) => {
    const value = env[name] === undefined || env[name] === '' ? fallback : Number(env[name]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number of at least 0, got ${JSON.stringify(env[name])}`);
    return value;
  };
  return {
    belowMiB: number('LTTLE_DEEP_BELOW_AVAILABLE_MIB', 2048),
    pollMs: number('LTTLE_PRESSURE_POLL_MS', 2000),
    pageOutAfterS: number('LTTLE_PAGE_OUT_AFTER_S', 10),
  };
}

/** MemAvailable of /proc/meminfo in MiB. */
export function hostAvailableMiB(): number {
  const match = /^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
  return match ? Number(match[1]) / 1024 : Infinity;
}

/** A suspended app that keeps its QEMU and may be deep-suspended early. */
export interface PressureCandidate {
  /** When it was suspended (ms since the epoch): the oldest goes first. */
  suspendedAt: number;
  /** Its guest RAM is already out of host memory: deep-suspending it frees least, so it goes last. */
  pagedOut: boolean;
  /** Deep-suspends it now, saying why; false when it no longer can (woken, or kept by an open connection). */
  deepSuspendNow(why: string): Promise<boolean>;
}

export class MemoryPressure {
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(
    private readonly settings: PressureSettings,
    private readonly candidates: () => PressureCandidate[],
    private readonly availableMiB: () => number = hostAvailableMiB,
  ) {}

  start(): void {
    if (this.settings.belowMiB <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.look(), this.settings.pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look: under pressure, the least recently suspended app that can go deep goes. Resolves with what it did. */
  async look(): Promise<string | undefined> {
    if (this.busy) return undefined;
    const available = this.availableMiB();
    if (available >= this.settings.belowMiB) return undefined;
    this.busy = true;
    try {
      const why = `memory pressure: the host has ${available.toFixed(0)} MiB available, below ${this.settings.belowMiB} MiB`;
      const order = (a: PressureCandidate, b: PressureCandidate) => Number(a.pagedOut) - Number(b.pagedOut) || a.suspendedAt - b.suspendedAt;
      for (const candidate of [...this.candidates()].sort(order)) {
        if (await candidate.deepSuspendNow(why)) return why;
      }
      return undefined;
    } finally {
      this.busy = false;
    }
  }
}
