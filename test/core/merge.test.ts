import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MergedStats } from '../../lib/aggregate/merged-stats.js';
import { createHistogram, encodeHistogram, summarize } from '../../lib/histogram/latency-histogram.js';
import type { SliceResult } from '../../lib/engine/slice-result.js';

function sliceOf(worker: number, samplesUs: number[]): SliceResult {
  const histogram = createHistogram();
  for (const sample of samplesUs) histogram.recordValue(sample);
  const encoded = encodeHistogram(histogram);
  return {
    schemaVersion: 3, runId: 'r', step: 0, slice: 0, lane: worker, model: 'closed', plannedLevel: 1,
    plannedStart: 0, plannedEnd: 1000, actualStart: 0, endedAt: 1000, stopped: false,
    requests: samplesUs.length, errors: 0, late: 0, dropped: 0, scheduled: 0,
    statusCodes: { '200': samplesUs.length }, errorsByType: {}, errorSamples: [],
    latency: encoded, service: encoded,
    byName: { home: { requests: samplesUs.length, errors: 0, generatorErrors: 0, statusCodes: { '200': samplesUs.length }, latency: encoded } },
    timeline: [{ i: 0, requests: samplesUs.length, errors: 0, users: 1, latency: encoded }],
    saturation: { eventLoopLagP99Ms: 0, eventLoopLagMaxMs: 0, eventLoopUtilization: 0.1, cpuPercent: 10, saturated: false }, checks: [], iterations: [],
  };
}

test('samples split over N worker histograms merge to the percentiles of one histogram of them all', () => {
  // Skewed latencies (most fast, a slow tail) and workers that each see a different part of them:
  // averaging per-worker percentiles would be far off; adding histograms is exact.
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const all: number[] = [];
  const perWorker: number[][] = Array.from({ length: 7 }, () => []);
  for (let index = 0; index < 70_000; index++) {
    const worker = index % 7;
    const slow = random() < 0.02 * (worker + 1);
    const sample = Math.round(slow ? 200_000 + random() * 2_000_000 : 1_000 + random() * 30_000 * (worker + 1));
    all.push(sample);
    perWorker[worker]!.push(sample);
  }
  const single = createHistogram();
  for (const sample of all) single.recordValue(sample);

  const merged = new MergedStats();
  perWorker.forEach((samples, worker) => merged.add(sliceOf(worker, samples)));

  assert.equal(merged.requests, 70_000);
  assert.equal(merged.latency.totalCount, 70_000);
  assert.deepEqual(summarize(merged.latency), summarize(single));
  assert.deepEqual(summarize(merged.byName.get('home')!.latency), summarize(single));
  assert.deepEqual(summarize(merged.timeline.get(0)!.latency), summarize(single));
  assert.equal(merged.timeline.get(0)!.usersByStep.get(0), 7);

  // The averaged p99 that some tools report is not what the merge gives.
  const averaged = perWorker.map((samples) => {
    const histogram = createHistogram();
    for (const sample of samples) histogram.recordValue(sample);
    return summarize(histogram).p99;
  }).reduce((sum, p99) => sum + p99, 0) / 7;
  assert.notEqual(Math.round(averaged), Math.round(summarize(single).p99));
});

test('merging steps into totals equals merging every slice at once', () => {
  const slices = [sliceOf(0, [1000, 2000, 3000]), sliceOf(1, [50_000, 60_000]), sliceOf(0, [7_000_000])];
  const stepA = new MergedStats();
  stepA.add(slices[0]!);
  stepA.add(slices[1]!);
  const stepB = new MergedStats();
  stepB.add(slices[2]!);
  const totals = new MergedStats();
  totals.absorb(stepA);
  totals.absorb(stepB);
  const direct = new MergedStats();
  for (const slice of slices) direct.add(slice);
  assert.deepEqual(summarize(totals.latency), summarize(direct.latency));
  assert.equal(totals.requests, 6);
  assert.deepEqual(totals.statusCodes, { '200': 6 });
});
