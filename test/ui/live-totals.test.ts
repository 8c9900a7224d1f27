import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SliceRunningTotals } from '../../lib/engine/running-totals.js';
import { createHistogram, encodeHistogram } from '../../lib/histogram/latency-histogram.js';
import { LiveTotals } from '../../lib/progress/live-totals.js';

function totals(requests: number, errors: number, latencyMs: number, ended: boolean): SliceRunningTotals {
  const histogram = createHistogram();
  for (let index = 0; index < requests; index++) histogram.recordValue(latencyMs * 1000);
  return {
    byName: { home: { requests, errors, generatorErrors: 0, statusCodes: { '200': requests - errors, '503': errors }, latency: encodeHistogram(histogram) } },
    errorsByType: errors > 0 ? { http_status: errors } : {},
    errorSamples: errors > 0 ? [{ type: 'http_status', message: 'unexpected status 503', count: errors }] : [],
    ended,
  };
}

test('live tables: a slice\'s newer snapshot replaces the older, its final one too, and slices add up exactly', () => {
  const live = new LiveTotals();
  live.set('0/0/0', totals(10, 1, 20, false));
  live.set('0/0/0', totals(30, 2, 20, false));
  live.set('0/0/1', totals(30, 0, 40, false));
  assert.deepEqual(live.requestRows(10).map((row) => [row.name, row.requests, row.errors, row.rps]), [['home', 60, 2, 6]]);
  const latency = live.requestRows(10)[0]!.latency;
  assert.ok(Math.abs(latency.p50 - 20) < 0.1 && Math.abs(latency.max - 40) < 0.1, 'both slices\' latencies are merged');

  live.set('0/0/0', totals(35, 3, 20, true));
  assert.equal(live.requestRows(10)[0]!.requests, 65, 'the final snapshot replaces the running one');
  live.set('0/1/0', totals(5, 0, 20, false));
  assert.equal(live.requestRows(10)[0]!.requests, 70, 'the next slice adds to the ended one');
  assert.deepEqual(live.errorRows(), [{ type: 'http_status', count: 3, messages: [{ message: 'unexpected status 503', count: 3 }] }]);
});
