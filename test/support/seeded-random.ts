/**
 * Deterministic randomness for seeded test schedules: the same seed gives the
 * same draws, so a failing run can be replayed.
 */

/** A uniform [0, 1) generator (mulberry32) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An independent stream per (seed, ...labels), so the plan of order 17 does not depend on how many draws order 16 made. */
export function streamFor(seed: number, ...labels: number[]): () => number {
  let h = seed >>> 0;
  for (const label of labels) h = Math.imul(h ^ (label + 0x9e3779b9), 0x85ebca6b) >>> 0;
  return mulberry32(h ^ (h >>> 16));
}

/** A whole number in [lo, hi], both included. */
export const intIn = (rng: () => number, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));

/** One name of the table, drawn with probability proportional to its weight. */
export function weighted<T extends string>(rng: () => number, table: Record<T, number>): T {
  const entries = Object.entries(table) as [T, number][];
  let roll = rng() * entries.reduce((sum, [, w]) => sum + w, 0);
  for (const [name, weight] of entries) {
    roll -= weight;
    if (roll < 0) return name;
  }
  return entries[entries.length - 1][0];
}
