import type { LoadResult } from '../load-result.js';
import { cpuSecondsBetween, type SampledOutcome } from '../process-tree-sampler.js';
import { requestsOf, type ShopStats } from '../targets/shop-server.js';

/** What a peer reports of itself: its errors and latency percentiles (its own counts are cross-checked, not used). */
export interface PeerOwnReport {
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * A peer's run as a LoadResult, over the window in which it made load: from the shop's first
 * request to its last. Requests are the shop's count (every request, logins included, as fanout's
 * own count includes them), the CPU is the peer's process tree over that window; its start-up
 * (Python imports, Artillery's ~5–15 s of loading) and shut-down are left out.
 */
export function resultInLoadWindow(tool: string, users: number, outcome: SampledOutcome, shop: ShopStats, own: PeerOwnReport): LoadResult {
  const seconds = (shop.lastAt - shop.firstAt) / 1000;
  const requests = requestsOf(shop);
  return {
    tool,
    connections: users,
    requests,
    errors: own.errors,
    seconds,
    rps: seconds > 0 ? requests / seconds : 0,
    p50Ms: own.p50Ms,
    p99Ms: own.p99Ms,
    cpuSeconds: seconds > 0 ? cpuSecondsBetween(outcome.samples, shop.firstAt, shop.lastAt) : undefined,
    peakRssMb: outcome.peakRssMb,
  };
}
