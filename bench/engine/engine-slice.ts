import { parseScenario, resolveRunSettings } from '../../lib/config/run-settings.js';
import type { ScenarioInput } from '../../lib/config/scenario-schema.js';
import { runSlice } from '../../lib/engine/run-slice.js';
import type { SliceResult } from '../../lib/engine/slice-result.js';
import { decodeHistogram } from '../../lib/histogram/latency-histogram.js';
import { planRun } from '../../lib/plan/run-plan.js';
import type { LoadResult } from '../load-result.js';

/**
 * One engine worker driven directly: a one-worker plan of a single step and slice, run in this
 * process (no worker threads, no stores), as a Lambda worker runs its slice. Its live progress (an
 * interval and the running totals each second) is encoded as a worker's is, and then let go.
 */
export async function runOneSlice(scenario: ScenarioInput, signal?: AbortSignal): Promise<SliceResult> {
  const settings = resolveRunSettings(parseScenario(scenario, 'bench'));
  const plan = planRun(settings, { platform: 'local', minWorkers: 1, runId: 'bench' });
  const letGo = () => {};
  const [result] = await runSlice(plan, { runId: plan.runId, lane: 0, slice: 0, startAt: Date.now() }, { signal, onIntervalClosed: letGo, onRunningTotals: letGo });
  return result!;
}

/** A slice's result as every benchmark child reports a run; `cpu` is process.cpuUsage() over the slice. */
export function loadResultOf(tool: string, connections: number, result: SliceResult, cpu: NodeJS.CpuUsage): LoadResult {
  const seconds = (result.endedAt - result.actualStart) / 1000;
  const latency = decodeHistogram(result.latency);
  return {
    tool,
    connections,
    requests: result.requests,
    errors: result.errors,
    seconds,
    rps: result.requests / seconds,
    p50Ms: latency.getValueAtPercentile(50) / 1000,
    p99Ms: latency.getValueAtPercentile(99) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    cpuUserSeconds: cpu.user / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

/** Closed model, no think time, every user at once, one worker. */
export function closedScenario(url: string, users: number, durationSeconds: number): ScenarioInput {
  return {
    target: url,
    load: { users, duration: `${durationSeconds}s`, workers: 1, spawnRate: 1_000_000, sliceDuration: `${Math.max(durationSeconds, 1)}s` },
  };
}

/** Open model at a fixed rate, one worker; the first second of the slice measured apart (a warm-up) when it is long enough. */
export function openScenario(url: string, rate: number, durationSeconds: number, maxInFlight: number): ScenarioInput {
  return {
    target: url,
    load: {
      rate,
      duration: `${durationSeconds}s`,
      workers: 1,
      maxInFlight,
      sliceDuration: `${Math.max(durationSeconds, 1)}s`,
      ...(openWarmUpSeconds(durationSeconds) > 0 ? { warmUp: `${OPEN_WARM_UP_S}s` } : {}),
    },
  };
}

export const OPEN_WARM_UP_S = 1;

/** The warm-up an open-model run of this length takes (none when the run is too short to spare it); the bench's reference loops take the same. */
export function openWarmUpSeconds(durationSeconds: number): number {
  return durationSeconds >= OPEN_WARM_UP_S * 2 ? OPEN_WARM_UP_S : 0;
}
