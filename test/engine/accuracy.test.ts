import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario, resolveRunSettings } from '../../lib/config/run-settings.js';
import type { ScenarioInput } from '../../lib/config/scenario-schema.js';
import { runSlice } from '../../lib/engine/run-slice.js';
import { SliceRecorder } from '../../lib/engine/slice-recorder.js';
import type { SliceResult } from '../../lib/engine/slice-result.js';
import { createHistogram, createMergeHistogram, decodeHistogram, type EncodedHistogram, type Histogram } from '../../lib/histogram/latency-histogram.js';
import { planRun } from '../../lib/plan/run-plan.js';
import { startTestTarget } from '../helpers/test-target.js';

/**
 * The engine's fast path (its own HTTP/1.1 connection, batched sends, shared read buffer) must count
 * exactly what the target received and give the percentiles of one histogram of every sample.
 */
const PERCENTILES = [1, 10, 50, 75, 90, 95, 99, 99.9, 100];

function percentiles(histogram: Histogram): number[] {
  return PERCENTILES.map((percentile) => histogram.getValueAtPercentile(percentile));
}

/** Every latency the engine records, teed into one plain histogram while `run` runs. */
async function withReference<T>(run: () => Promise<T>): Promise<{ result: T; reference: Histogram; samples: number }> {
  const reference = createHistogram();
  let samples = 0;
  const original = SliceRecorder.prototype.recordResponse;
  SliceRecorder.prototype.recordResponse = function (this: SliceRecorder, request, status, latencyUs, serviceUs, now) {
    reference.recordValue(latencyUs < 1 ? 1 : Math.round(latencyUs));
    samples++;
    original.call(this, request, status, latencyUs, serviceUs, now);
  };
  try {
    return { result: await run(), reference, samples };
  } finally {
    SliceRecorder.prototype.recordResponse = original;
  }
}

async function oneSlice(scenario: ScenarioInput): Promise<SliceResult> {
  const plan = planRun(resolveRunSettings(parseScenario(scenario, 'test')), { platform: 'local', minWorkers: 1, runId: 'accuracy' });
  const [result] = await runSlice(plan, { runId: plan.runId, lane: 0, slice: 0, startAt: Date.now() });
  return result!;
}

function mergeAll(encoded: EncodedHistogram[]): Histogram {
  const merged = createMergeHistogram();
  for (const text of encoded) merged.add(decodeHistogram(text));
  return merged;
}

test('closed model at full speed: counts equal the target’s, percentiles equal one histogram of every sample', async () => {
  const target = await startTestTarget({ statusByPath: { '/missing': 404 } });
  try {
    const { result, reference, samples } = await withReference(() =>
      oneSlice({
        target: target.url,
        requests: [
          { name: 'home', path: '/', weight: 5 },
          { name: 'search', method: 'POST', path: '/search', json: { q: 'x' }, weight: 3 },
          { name: 'missing', path: '/missing', weight: 2, expect: { status: [404] } },
        ],
        load: { users: 16, duration: '2s', workers: 1, spawnRate: 1000, sliceDuration: '2s' },
      }),
    );
    const byPath = target.receivedByPath();
    assert.ok(result.requests > 1000, `real load: ${result.requests}`);
    assert.equal(result.requests, target.received(), 'every request the target received is counted, no more');
    assert.equal(result.requests, samples);
    assert.equal(result.errors, 0);
    assert.equal(result.byName.home!.requests, byPath['/']);
    assert.equal(result.byName.search!.requests, byPath['/search']);
    assert.equal(result.byName.missing!.requests, byPath['/missing']);
    assert.deepEqual(result.statusCodes, { '200': byPath['/']! + byPath['/search']!, '404': byPath['/missing'] });

    const overall = decodeHistogram(result.latency);
    assert.equal(overall.totalCount, reference.totalCount);
    assert.deepEqual(percentiles(overall), percentiles(reference), 'the slice histogram is the reference histogram');
    assert.deepEqual(result.service, result.latency, 'closed model: latency is the service time');
    const byName = mergeAll(Object.values(result.byName).map((stats) => stats.latency));
    assert.deepEqual(percentiles(byName), percentiles(reference), 'per-name histograms add up to the whole');
    const timeline = mergeAll(result.timeline.map((interval) => interval.latency));
    assert.deepEqual(percentiles(timeline), percentiles(reference), 'timeline histograms add up to the whole');
    assert.equal(result.timeline.reduce((sum, interval) => sum + interval.requests, 0), result.requests);
  } finally {
    await target.close();
  }
});

test('open model: every scheduled send is sent or dropped, and each one sent is counted once', async () => {
  const target = await startTestTarget({ delayMs: 2 });
  try {
    const { result, reference, samples } = await withReference(() =>
      oneSlice({ target: target.url, load: { rate: 500, duration: '2s', workers: 1, maxInFlight: 20, sliceDuration: '2s' } }),
    );
    assert.equal(result.requests, target.received());
    assert.equal(result.requests, samples);
    assert.equal(result.requests + result.dropped, result.scheduled);
    // 500/s for 2 s, less the few ms between the planned start and the session's first send.
    assert.ok(result.scheduled >= 985 && result.scheduled <= 1000, `scheduled ${result.scheduled}`);
    assert.deepEqual(percentiles(decodeHistogram(result.latency)), percentiles(reference));
    assert.equal(decodeHistogram(result.service).totalCount, result.requests);
  } finally {
    await target.close();
  }
});
