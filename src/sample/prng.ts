/** Seeded pseudo-random numbers for the sample generator: a stateful stream and stateless hashes. */

/** Mixes a 32-bit integer into a well-spread 32-bit unsigned integer (the splitmix32 finaliser). */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** Stateless hash of two integers to a 32-bit unsigned integer (same inputs, same output). */
export function hash2(a: number, b: number): number {
  return mix32(mix32(a) ^ (b | 0));
}

/** Stateless hash of two integers to a uniform number in [0, 1). */
export function hashUnit(a: number, b: number): number {
  return hash2(a, b) / 4294967296;
}

/** Stateless hash of two integers to a standard normal number (Box-Muller on two hashes). */
export function hashNormal(a: number, b: number): number {
  const h = hash2(a, b);
  const u1 = (h + 1) / 4294967297; // in (0, 1): log stays finite
  const u2 = mix32(h ^ 0x5bd1e995) / 4294967296;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Harmonic-style weights 1 / rank^exponent for ranks 1..n: a Zipf distribution, unnormalised. */
export function zipfWeights(n: number, exponent: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 1 / (i + 1) ** exponent;
  return w;
}

/** A seeded stream of pseudo-random numbers (splitmix32); never use Math.random in sample data. */
export class Prng {
  private state: number; // 32-bit counter, advanced by the golden-ratio increment

  constructor(seed: number) {
    this.state = mix32(seed | 0) | 0;
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    return mix32(this.state);
  }

  /** Uniform number in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform number in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }

  /** Standard normal number (Box-Muller). */
  normal(): number {
    const u1 = (this.nextUint32() + 1) / 4294967297;
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Lognormal number whose median is `median` and whose log has standard deviation `sigma`. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Pareto number with minimum `min` and tail index `alpha` (smaller alpha, heavier tail). */
  pareto(min: number, alpha: number): number {
    return min / (1 - this.uniform()) ** (1 / alpha);
  }

  /** Index picked with probability proportional to `weights[i]` (weights non-negative, not all 0). */
  pickWeighted(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    let r = this.uniform() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** One element of a non-empty list, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.uniform() * items.length)]!;
  }

  /**
   * Indices 0..n-1 in a weighted random order without replacement (Efraimidis-Spirakis keys):
   * heavier indices tend to come first, but any index can appear anywhere.
   */
  weightedOrder(weights: ArrayLike<number>): Int32Array {
    const n = weights.length;
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = Math.log(1 - this.uniform()) / weights[i]!; // log(u^(1/w)), larger first
    const order = Int32Array.from({ length: n }, (_, i) => i);
    return order.sort((a, b) => keys[b]! - keys[a]! || a - b);
  }
}
