// Human-readable sizes as lttle's docs write them: "100Mi", "50M", "42MB",
// "1.5GB", "1Gi", "512Ki" or a plain number of bytes.

export const SIZE_UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  K: 1e3,
  KB: 1e3,
  M: 1e6,
  MB: 1e6,
  G: 1e9,
  GB: 1e9,
  T: 1e12,
  TB: 1e12,
  Ki: 2 ** 10,
  KiB: 2 ** 10,
  Mi: 2 ** 20,
  MiB: 2 ** 20,
  Gi: 2 ** 30,
  GiB: 2 ** 30,
  Ti: 2 ** 40,
  TiB: 2 ** 40,
};

/** Smallest volume we create: mkfs.ext4 needs room for its metadata. */
export const MIN_VOLUME_BYTES = 2 ** 20;
/** Largest volume we accept: a sparse file, but guard against typos like 100Ti. */
export const MAX_VOLUME_BYTES = 2 ** 44;

export class SizeError extends Error {}

/** Parses a size into bytes; throws SizeError with a reason a user can act on. */
export function parseSize(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input <= 0) throw new SizeError(`${input} is not a positive whole number of bytes`);
    return input;
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(input);
  if (!match) throw new SizeError(`"${input}" is not a size`);
  const [, digits, unit] = match;
  const factor = SIZE_UNITS[unit];
  if (factor === undefined) throw new SizeError(`"${input}" has an unknown unit "${unit}" (use Ki, Mi, Gi, Ti, K, M, G, T, KB, MB, GB, TB)`);
  const bytes = Math.round(Number(digits) * factor);
  if (bytes <= 0) throw new SizeError(`"${input}" is zero`);
  if (!Number.isSafeInteger(bytes)) throw new SizeError(`"${input}" is too large`);
  return bytes;
}

/** Checks a volume size and returns it in bytes. */
export function parseVolumeSize(input: string | number): number {
  const bytes = parseSize(input);
  if (bytes < MIN_VOLUME_BYTES) throw new SizeError(`${JSON.stringify(input)} is smaller than the minimum volume size 1Mi`);
  if (bytes > MAX_VOLUME_BYTES) throw new SizeError(`${JSON.stringify(input)} is larger than the maximum volume size 16Ti`);
  return bytes;
}

/** Formats bytes the way users write them, exact when possible: 104857600 -> "100Mi". */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  for (const [unit, factor] of [
    ['T', 1e12],
    ['G', 1e9],
    ['M', 1e6],
    ['K', 1e3],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}`;
}
