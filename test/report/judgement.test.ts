import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MergedStats } from '../../lib/aggregate/merged-stats.js';
import { parseScenario, resolveRunSettings } from '../../lib/config/run-settings.js';
import type { SliceResult } from '../../lib/engine/slice-result.js';
import { createHistogram, encodeHistogram } from '../../lib/histogram/latency-histogram.js';
import { planRun, type Platform } from '../../lib/plan/run-plan.js';
import { buildReport } from '../../lib/report/build-report.js';

/** A step result of one lane: `requests` responses at `latencyMs`, plus the errors given. */
function stepResult(step: number, lane: number, requests: number, latencyMs: number, extra: { errorsByType?: Record<string, number>; saturated?: boolean } = {}): SliceResult {
  const histogram = createHistogram();
  for (let index = 0; index < requests; index++) histogram.recordValue(latencyMs * 1000);
  const encoded = encodeHistogram(histogram);
  const errors = Object.values(extra.errorsByType ?? {}).reduce((sum, count) => sum + count, 0);
  return {
    schemaVersion: 3, runId: 'r', step, slice: 0, lane, model: 'closed', plannedLevel: 10,
    plannedStart: step * 10_000, plannedEnd: (step + 1) * 10_000, actualStart: step * 10_000, endedAt: (step + 1) * 10_000, stopped: false,
    requests: requests + errors, errors, late: 0, dropped: 0, scheduled: 0,
    statusCodes: { '200': requests }, errorsByType: extra.errorsByType ?? {}, errorSamples: [],
    latency: encoded, service: encoded,
    byName: { home: { requests: requests + errors, errors, generatorErrors: errors, statusCodes: { '200': requests }, latency: encoded } },
    timeline: [],
    saturation: { eventLoopLagP99Ms: extra.saturated ? 80 : 1, eventLoopLagMaxMs: 90, eventLoopUtilization: extra.saturated ? 0.97 : 0.2, cpuPercent: 50, saturated: extra.saturated === true }, checks: [], iterations: [],
  };
}

function reportOf(platform: Platform, steps: SliceResult[][]) {
  const settings = resolveRunSettings(parseScenario({ target: 'http://127.0.0.1:1', load: { steps: [10, 20, 30, 40], stepDuration: '10s', workers: 2 }, slo: 'p95<100ms' }, 'test'));
  const plan = planRun(settings, { platform });
  const stepStats = steps.map((results) => {
    const stats = new MergedStats();
    for (const result of results) stats.add(result);
    return stats;
  });
  const totals = new MergedStats();
  for (const stats of stepStats) totals.absorb(stats);
  return buildReport({ plan, startAt: 0, stepStats, totals, stopRequested: false, warnings: [] });
}

test('a step with the generator saturated or out of file descriptors is not judged, and the knee never comes from it', () => {
  const report = reportOf('local', [
    [stepResult(0, 0, 100, 10), stepResult(0, 1, 100, 10)],
    // Saturated workers: slow numbers that measure the generator.
    [stepResult(1, 0, 100, 500, { saturated: true }), stepResult(1, 1, 100, 500, { saturated: true })],
    // EMFILE on one worker.
    [stepResult(2, 0, 100, 20, { errorsByType: { generator_fds: 30 } }), stepResult(2, 1, 100, 20)],
    [stepResult(3, 0, 100, 300), stepResult(3, 1, 100, 300)],
  ]);
  assert.deepEqual(report.steps.map((step) => step.judged), [true, false, false, true]);
  assert.match(report.steps[1]!.notJudgedBecause!, /2 worker\(s\) saturated/);
  assert.match(report.steps[2]!.notJudgedBecause!, /30 request\(s\) failed on the generator's own limits \(generator_fds\)/);
  assert.deepEqual(report.steps.map((step) => step.sloPassed), [true, undefined, undefined, false]);
  assert.equal(report.knee?.lastGood?.index, 0);
  assert.equal(report.knee?.firstBad?.index, 3);
  assert.equal(report.slo?.passed, false);
  // EMFILE errors are shown apart from the target's: its error rate leaves them out.
  assert.equal(report.steps[2]!.errors, 30);
  assert.equal(report.steps[2]!.generatorErrors, 30);
  assert.equal(report.steps[2]!.errorRate, 0);
  // One warning per step, with the count and advice for where it ran.
  const saturation = report.warnings.filter((warning) => warning.includes('saturated'));
  assert.deepEqual(saturation.length, 1);
  assert.match(saturation[0]!, /step 2: 2 of 2 worker\(s\) saturated.*this machine is the limit: fewer users here, or --platform aws/);
  assert.ok(report.warnings.some((warning) => /step 3: 30 request\(s\) failed on the generator's own limits.*ulimit -n.*--platform aws/.test(warning)));
});

test('on AWS the saturation advice is more memory or more workers', () => {
  const report = reportOf('aws', [[stepResult(0, 0, 10, 10, { saturated: true })], [], [], []]);
  assert.match(report.warnings.find((warning) => warning.includes('saturated'))!, /workerMemory deploy param.*--workers/);
  assert.equal(report.slo?.passed, false, 'an SLO is not shown to hold by steps that were not judged or did not run');
});
