import { createHistogram, type Histogram } from '../../lib/histogram/latency-histogram.js';

/** A small seeded generator (xorshift32), so that every run merges the same histograms. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return (state + 0.5) / 4294967296;
  };
}

function logNormal(random: () => number, medianUs: number, sigma: number): number {
  const normal = Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random());
  return medianUs * Math.exp(sigma * normal);
}

/**
 * Latencies (µs) of a web service under load: most around 20 ms, a slower mode around 60 ms (cache
 * misses), and a 1 % tail up to 2 s (timeouts, GC, retries).
 */
export function realisticLatencyUs(random: () => number): number {
  const pick = random();
  if (pick < 0.9) return logNormal(random, 20_000, 0.35);
  if (pick < 0.99) return logNormal(random, 60_000, 0.6);
  return 100_000 + random() * 1_900_000;
}

/** One latency mode: log-normal around 20 ms (σ 0.35), no tail. */
export function singleModeLatencyUs(random: () => number): number {
  return logNormal(random, 20_000, 0.35);
}

/** Latencies spread over four decades (1 ms–10 s, log-uniform): a larger encoding than any real service gives. */
export function wideLatencyUs(random: () => number): number {
  return 1000 * 10 ** (4 * random());
}

export function histogramOf(samples: number, latencyUs: (random: () => number) => number, seed: number): Histogram {
  const random = seededRandom(seed);
  const histogram = createHistogram();
  for (let index = 0; index < samples; index++) histogram.recordValue(Math.max(1, Math.round(latencyUs(random))));
  return histogram;
}
