/** One generator's run against the target, as every benchmark child reports it. */
export interface LoadResult {
  tool: string;
  connections: number;
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** The generator's CPU (user + kernel) over the run, seconds. */
  cpuSeconds: number | undefined;
  /** The user-space part of it, when the generator measured itself. */
  cpuUserSeconds?: number;
  peakRssMb: number | undefined;
}

export function cpuMicrosPerRequest(result: LoadResult): number | undefined {
  return result.cpuSeconds === undefined || result.requests === 0 ? undefined : (result.cpuSeconds * 1e6) / result.requests;
}

/** What one core of the generator makes when the core is the limit; NaN when its CPU is unknown. */
export function requestsPerCpuSecond(result: LoadResult): number {
  return result.cpuSeconds ? result.requests / result.cpuSeconds : NaN;
}

/** Round `round`'s order of the tools: rotated, so that no tool always runs first, or right after the same other, on a shared machine. */
export function rotated<T>(tools: readonly T[], round: number): T[] {
  return tools.map((_, index) => tools[(index + round) % tools.length]!);
}
