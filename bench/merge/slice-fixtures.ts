import { createHistogram, encodeHistogram, type Histogram } from '../../lib/histogram/latency-histogram.js';
import type { SliceResult } from '../../lib/engine/slice-result.js';
import { realisticLatencyUs, seededRandom } from './synthetic-latencies.js';

/** What a worker has recorded when its slice ends: the overall histogram and one per second. */
export interface SliceHistograms {
  worker: number;
  rps: number;
  overall: Histogram;
  intervals: Histogram[];
}

/** `seconds` of `rps` requests with realistic latencies, one request name, one timeline interval per second. */
export function recordSyntheticSlice(worker: number, seconds: number, rps: number): SliceHistograms {
  const random = seededRandom(worker + 1);
  const overall = createHistogram();
  const intervals: Histogram[] = [];
  for (let second = 0; second < seconds; second++) {
    const interval = createHistogram();
    for (let index = 0; index < rps; index++) {
      const value = Math.max(1, Math.round(realisticLatencyUs(random)));
      interval.recordValue(value);
      overall.recordValue(value);
    }
    intervals.push(interval);
  }
  return { worker, rps, overall, intervals };
}

/**
 * The slice result as the engine writes it, encoding what the engine encodes: overall, service and
 * per-name histograms (the same latencies here) and every interval's.
 */
export function sliceResultOf({ worker, rps, overall, intervals }: SliceHistograms): SliceResult {
  const timeline: SliceResult['timeline'] = intervals.map((interval, second) => ({ i: second, requests: rps, errors: 0, users: 50, latency: encodeHistogram(interval) }));
  const requests = rps * intervals.length;
  const seconds = intervals.length;
  return {
    schemaVersion: 3,
    runId: 'bench',
    step: 0,
    slice: 0,
    lane: worker,
    model: 'closed',
    plannedLevel: 50,
    plannedStart: 0,
    plannedEnd: seconds * 1000,
    actualStart: 0,
    endedAt: seconds * 1000,
    stopped: false,
    requests,
    errors: 0,
    late: 0,
    dropped: 0,
    scheduled: 0,
    statusCodes: { '200': requests },
    errorsByType: {},
    errorSamples: [],
    latency: encodeHistogram(overall),
    service: encodeHistogram(overall),
    byName: { 'GET /': { requests, errors: 0, generatorErrors: 0, statusCodes: { '200': requests }, latency: encodeHistogram(overall) } },
    timeline,
    saturation: { eventLoopLagP99Ms: 0, eventLoopLagMaxMs: 0, eventLoopUtilization: 0.5, cpuPercent: 50, saturated: false }, checks: [], iterations: [],
  };
}

export function syntheticSlice(worker: number, seconds: number, rps: number): SliceResult {
  return sliceResultOf(recordSyntheticSlice(worker, seconds, rps));
}
