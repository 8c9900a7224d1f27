import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holds, parseCriteria } from '../../lib/slo/criterion.js';
import { parseDurationMs } from '../../lib/config/duration.js';

const stats = (p95: number, errors = 0, requests = 100, rps = 50) => ({
  requests,
  errors,
  rps,
  latency: { min: 1, mean: p95 / 2, p50: p95 / 2, p90: p95, p95, p99: p95, p999: p95, max: p95 },
});

test('SLO and threshold expressions in k6 and fanout spellings', () => {
  assert.deepEqual(parseCriteria('p95<1s').map(({ metric, op, value }) => ({ metric, op, value })), [{ metric: 'p95', op: '<', value: 1000 }]);
  assert.equal(parseCriteria('p(99)<=800ms')[0]!.metric, 'p99');
  assert.equal(parseCriteria('p(99.9)<2s')[0]!.metric, 'p999');
  assert.equal(parseCriteria('errors<1%')[0]!.value, 0.01);
  assert.equal(parseCriteria('p95<500us')[0]!.value, 0.5);
  assert.equal(parseCriteria('p95<1s, errors<0.5%').length, 2);
  assert.throws(() => parseCriteria('p96<1s'), /unknown metric/);
  assert.throws(() => parseCriteria('p95 under 1s'), /not a criterion/);
  assert.throws(() => parseCriteria('errors<5'), /percentage/);
});

test('criteria judge measured stats; an empty step never passes', () => {
  assert.equal(holds(parseCriteria('p95<1s')[0]!, stats(999)), true);
  assert.equal(holds(parseCriteria('p95<1s')[0]!, stats(1000)), false);
  assert.equal(holds(parseCriteria('errors<1%')[0]!, stats(10, 2)), false);
  assert.equal(holds(parseCriteria('rps>=50')[0]!, stats(10)), true);
  assert.equal(holds(parseCriteria('p95<1s')[0]!, stats(1, 0, 0)), false);
});

test('durations take ms, s, m and h', () => {
  assert.equal(parseDurationMs('250ms'), 250);
  assert.equal(parseDurationMs('1.5s'), 1500);
  assert.equal(parseDurationMs('5m'), 300_000);
  assert.equal(parseDurationMs('1h'), 3_600_000);
  assert.equal(parseDurationMs(30), 30_000);
  assert.equal(parseDurationMs('10'), undefined);
  assert.equal(parseDurationMs('5 parsecs'), undefined);
});
