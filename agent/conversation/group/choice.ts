// Random choices of the floor, made through an injected source so tests are deterministic.

/** A source of uniform numbers in [0, 1), like `Math.random`. */
export type Random = () => number;

/** A small seeded generator (mulberry32): the same seed gives the same sequence. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One item drawn with probability proportional to its weight; undefined when no weight is positive. */
export function weightedPick<T>(
  items: ReadonlyArray<{ item: T; weight: number }>,
  random: Random,
): T | undefined {
  const positive = items.filter((i) => i.weight > 0 && Number.isFinite(i.weight));
  const total = positive.reduce((sum, i) => sum + i.weight, 0);
  if (total <= 0) return undefined;
  let r = random() * total;
  for (const i of positive) {
    r -= i.weight;
    if (r < 0) return i.item;
  }
  return positive.at(-1)?.item;
}
