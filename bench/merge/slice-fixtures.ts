import { createHistogram, encodeHistogram } from '../../lib/histogram/latency-histogram.js';
import type { SliceResult } from '../../lib/engine/slice-result.js';
import { realisticLatencyUs, seededRandom } from './synthetic-latencies.js';

/**
 * A worker's slice result as the engine writes it: `seconds` of `rps` requests with realistic
 * latencies, one request name, one timeline interval per second.
 */
export function syntheticSlice(worker: number, seconds: number, rps: number): SliceResult {
  const random = seededRandom(worker + 1);
  const overall = createHistogram();
  const timeline: SliceResult['timeline'] = [];
  for (let second = 0; second < seconds; second++) {
    const interval = createHistogram();
    for (let index = 0; index < rps; index++) {
      const value = Math.max(1, Math.round(realisticLatencyUs(random)));
      interval.recordValue(value);
      overall.recordValue(value);
    }
    timeline.push({ i: second, requests: rps, errors: 0, users: 50, latency: encodeHistogram(interval) });
  }
  const latency = encodeHistogram(overall);
  const requests = rps * seconds;
  return {
    schemaVersion: 1,
    runId: 'bench',
    step: 0,
    slice: 0,
    worker,
    model: 'closed',
    plannedLevel: 50,
    plannedStart: 0,
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
    latency,
    service: latency,
    byName: { 'GET /': { requests, errors: 0, statusCodes: { '200': requests }, latency } },
    timeline,
    saturation: { eventLoopLagP99Ms: 0, eventLoopLagMaxMs: 0, eventLoopUtilization: 0.5, cpuPercent: 50, saturated: false },
  };
}
