// pure-rand 8 has no root export, only subpaths; under node16 resolution these resolve
// through the package's "require" condition to lib/**/*.js with sibling .d.ts files.
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** murmur3's 32-bit finaliser: spreads every input bit over the whole word. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Hashes a list of integers to one 32-bit word; used to derive independent sub-seeds. */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = fmix32(h ^ fmix32(Math.imul(p | 0, 0xcc9e2d51) ^ Math.floor(p / 0x100000000)));
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return fmix32(h);
}

/**
 * Seeded random source (xoroshiro128+, mutated in place for speed).
 * `xoroshiro128plus(seed)` places a small seed straight into the state, so neighbouring
 * seeds start out correlated; we fill all 128 state bits from hashes instead.
 */
export class Random {
  private readonly rng: RandomGenerator;

  /** `parts` identify the stream, e.g. (seed, childIndex): same parts → same sequence. */
  constructor(...parts: number[]) {
    const base = mixSeed(...parts);
    const state: number[] = [fmix32(base ^ 0x1b873593), fmix32(base + 0x6a09e667), fmix32(base ^ 0x3c6ef372), fmix32(base + 0x510e527f)];
    if (!state.some((w) => w !== 0)) state[0] = 1; // the all-zero state never leaves zero
    this.rng = xoroshiro128plusFromState(state);
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return uniformInt(this.rng, min, max);
  }

  /** Float in [0, 1). */
  float(): number {
    return uniformFloat64(this.rng);
  }

  /** Float in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)];
  }

  /** Picks an item with probability proportional to its weight. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of entries) total += w;
    let r = this.float() * total;
    for (const [item, w] of entries) {
      r -= w;
      if (r < 0) return item;
    }
    return entries[entries.length - 1][0];
  }

  /** Standard normal draw (Box–Muller). */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.float(); // (0, 1]: log(0) would be -Infinity
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }

  /** Fisher–Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}
