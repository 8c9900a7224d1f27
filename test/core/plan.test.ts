import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario, resolveRunSettings } from '../../lib/config/run-settings.js';
import { expectedSlices, MAX_USERS_PER_WORKER, planRun, shareOf } from '../../lib/plan/run-plan.js';
import { firstTasks, sliceKey, successorsOf, type SliceTask } from '../../lib/plan/slice-task.js';
import { userStartOffsets } from '../../lib/engine/closed-model.js';

const settingsOf = (document: unknown) => resolveRunSettings(parseScenario(document, 'test'));

test('--steps 1000:20000:1000 --step-duration 1m plans 20 steps, 900-user workers, one 60 s slice each', () => {
  const plan = planRun(settingsOf({ target: 'http://127.0.0.1:1', load: { steps: '1000:20000:1000', stepDuration: '1m' } }), { platform: 'aws' });
  assert.equal(plan.steps.length, 20);
  assert.deepEqual(plan.steps.map((step) => step.level).slice(0, 3), [1000, 2000, 3000]);
  assert.equal(plan.steps[19]!.level, 20000);
  assert.equal(plan.steps[19]!.workers, Math.ceil(20000 / MAX_USERS_PER_WORKER));
  assert.ok(plan.steps.every((step) => step.level / step.workers <= MAX_USERS_PER_WORKER));
  assert.ok(plan.steps.every((step) => step.slices.length === 1 && step.slices[0]!.durationMs === 60_000));
  assert.equal(plan.totalDurationMs, 20 * 60_000);
  assert.equal(plan.steps[3]!.startOffsetMs, 3 * 60_000);
});

test('a plain --users N --duration D is one step; slices never exceed the slice length', () => {
  const plan = planRun(settingsOf({ target: 'http://127.0.0.1:1', load: { users: 20000, duration: '5m', sliceDuration: '2m' } }), { platform: 'aws' });
  assert.equal(plan.steps.length, 1);
  assert.deepEqual(plan.steps[0]!.slices.map((slice) => slice.durationMs), [120_000, 120_000, 60_000]);
  assert.equal(expectedSlices(plan.steps[0]!), plan.steps[0]!.workers * 3);
});

test('--workers overrides the sizing; users split over workers add up exactly', () => {
  const plan = planRun(settingsOf({ target: 'http://127.0.0.1:1', load: { users: 1003, workers: 4 } }), { platform: 'local' });
  assert.equal(plan.steps[0]!.workers, 4);
  const shares = [0, 1, 2, 3].map((worker) => shareOf(1003, 4, worker));
  assert.deepEqual(shares, [251, 251, 251, 250]);
});

test('a slice longer than 14 minutes is refused (a Lambda runs at most 15)', () => {
  assert.throws(() => settingsOf({ target: 'http://127.0.0.1:1', load: { users: 1, sliceDuration: '15m' } }), /load\.sliceDuration/);
});

test('every slice task is keyed run/step/slice/worker and chained exactly once', () => {
  const plan = planRun(settingsOf({ target: 'http://127.0.0.1:1', load: { steps: [1800, 900, 2700], stepDuration: '3m', sliceDuration: '1m' } }), {
    platform: 'aws',
    runId: 'r1',
  });
  assert.deepEqual(plan.steps.map((step) => step.workers), [2, 1, 3]);
  // Walk the chain from the first tasks: every planned task must be reached exactly once.
  const seen = new Map<string, number>();
  const queue: SliceTask[] = firstTasks(plan, 1_000);
  while (queue.length > 0) {
    const task = queue.shift()!;
    const key = sliceKey(task);
    seen.set(key, (seen.get(key) ?? 0) + 1);
    queue.push(...successorsOf(plan, task));
  }
  const expected = plan.steps.reduce((sum, step) => sum + expectedSlices(step), 0);
  assert.equal(seen.size, expected);
  assert.ok([...seen.values()].every((count) => count === 1));
  assert.ok(seen.has('r1/steps/2/slices/2/2.cbor'));
});

test('users ramp at the spawn rate across slice boundaries', () => {
  // 10 → 20 users at 2 users/s: the new users start at 0.5 s, 1 s, … 5 s into the step.
  assert.deepEqual(userStartOffsets(10, 20, 2, 0).slice(9, 13), [0, 500, 1000, 1500]);
  // A slice starting 2 s in sees users whose start has passed at once and the rest on schedule.
  const later = userStartOffsets(10, 20, 2, 2000);
  assert.equal(later.filter((offset) => offset === 0).length, 14);
  assert.equal(later[19], 3000);
});

test('the default spawn rate ramps each step within a tenth of it (at most 10 s)', () => {
  const settings = settingsOf({ target: 'http://127.0.0.1:1', load: { steps: '100:300:100', stepDuration: '20s' } });
  assert.equal(settings.spawnRate, 50); // 100 more users each step over 2 s
});
