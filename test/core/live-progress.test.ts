import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario, resolveRunSettings } from '../../lib/config/run-settings.js';
import { createHistogram, encodeHistogram } from '../../lib/histogram/latency-histogram.js';
import { planRun } from '../../lib/plan/run-plan.js';
import { LiveProgress } from '../../lib/progress/live-progress.js';

const interval = (i: number, requests: number, users: number) => {
  const histogram = createHistogram();
  histogram.recordValue(10_000);
  return { i, requests, errors: 0, users, latency: encodeHistogram(histogram) };
};

test('the live line waits for every worker of an interval: never a share of them, and never stuck on one that does not report', () => {
  const plan = planRun(resolveRunSettings(parseScenario({ target: 'http://127.0.0.1:1', load: { users: 20, duration: '10s', workers: 2 } }, 'test')), {
    platform: 'local',
  });
  const startAt = 1_000_000;
  const progress = new LiveProgress(plan, () => startAt);
  for (const lane of [0, 1]) for (const i of [0, 1]) progress.addInterval(lane, 0, interval(i, 480, 10));
  // Interval 2 has ended; worker 0 has reported it, worker 1 not yet: the line shows interval 1, whole.
  progress.addInterval(0, 0, interval(2, 500, 10));
  let line = progress.snapshot(startAt + 3_050);
  assert.deepEqual([line.interval, line.users, line.rps], [1, 20, 960]);
  // Worker 1 reports: interval 2, both workers.
  progress.addInterval(1, 0, interval(2, 490, 10));
  line = progress.snapshot(startAt + 3_100);
  assert.deepEqual([line.interval, line.users, line.rps], [2, 20, 990]);
  // Worker 0 reports interval 3 and worker 1 never does (it failed): shown once it is 3 s overdue.
  progress.addInterval(0, 0, interval(3, 470, 10));
  assert.equal(progress.snapshot(startAt + 6_900).interval, 2);
  assert.deepEqual([progress.snapshot(startAt + 7_100).interval, progress.snapshot(startAt + 7_100).users], [3, 10]);
});
