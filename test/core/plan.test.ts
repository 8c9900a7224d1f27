import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario, resolveRunSettings } from '../../lib/config/run-settings.js';
import { laneSliceSchedule, usersAt } from '../../lib/engine/lane-schedule.js';
import { MAX_USERS_PER_WORKER, planRun, shareOf } from '../../lib/plan/run-plan.js';
import { allSliceTasks, expectedPartCount, firstTasks, invocationsDuring, sliceWindow, type SliceTask } from '../../lib/plan/slice-task.js';

const settingsOf = (document: unknown) => resolveRunSettings(parseScenario(document, 'test'));

test('--steps 1000:20000:1000 on AWS: workers join as the load needs them, at most 900 users each, 5-minute slices', () => {
  const plan = planRun(settingsOf({ target: 'http://127.0.0.1:1', load: { steps: '1000:20000:1000', stepDuration: '1m' } }), { platform: 'aws' });
  assert.equal(plan.steps.length, 20);
  assert.deepEqual(plan.steps.map((step) => step.level).slice(0, 3), [1000, 2000, 3000]);
  assert.equal(plan.lanes.length, Math.ceil(20000 / MAX_USERS_PER_WORKER));
  assert.ok(plan.lanes.every((lane) => lane.levels.every((users) => users <= MAX_USERS_PER_WORKER)));
  // Every step's users add up exactly over the lanes.
  for (const step of plan.steps) assert.equal(plan.lanes.reduce((sum, lane) => sum + lane.levels[step.index]!, 0), step.level);
  // A rising step only adds users: no lane ever loses users to another (no connection storm).
  for (const lane of plan.lanes) for (let step = 1; step < 20; step++) assert.ok(lane.levels[step]! >= lane.levels[step - 1]!);
  // Lanes join only when needed: the first step runs on 2 workers, the last on all of them.
  assert.equal(plan.steps[0]!.workers, 2);
  assert.equal(plan.steps[19]!.workers, plan.lanes.length);
  assert.deepEqual(plan.slices.map((slice) => slice.durationMs), [300_000, 300_000, 300_000, 300_000]);
  assert.equal(plan.totalDurationMs, 20 * 60_000);
  assert.equal(plan.steps[3]!.startOffsetMs, 3 * 60_000);
});

test('on one machine the whole run is one slice per worker, the load spread evenly from the start', () => {
  const plan = planRun(settingsOf({ target: 'http://127.0.0.1:1', load: { steps: [10, 30, 10], stepDuration: '5s' } }), { platform: 'local', minWorkers: 2 });
  assert.equal(plan.slices.length, 1);
  assert.equal(plan.lanes.length, 2);
  assert.deepEqual(plan.lanes.map((lane) => lane.levels), [[5, 15, 5], [5, 15, 5]]);
  assert.equal(allSliceTasks(plan, 1).length, 2);
  assert.equal(expectedPartCount(plan, 1), 2);
});

test('a plain --users N --duration D is one step; slices never exceed the slice length', () => {
  const plan = planRun(settingsOf({ target: 'http://127.0.0.1:1', load: { users: 20000, duration: '5m', sliceDuration: '2m' } }), { platform: 'aws' });
  assert.equal(plan.steps.length, 1);
  assert.deepEqual(plan.slices.map((slice) => slice.durationMs), [120_000, 120_000, 60_000]);
  assert.equal(expectedPartCount(plan, 0), plan.lanes.length * 3);
});

test('--workers overrides the sizing; users split over workers add up exactly', () => {
  const plan = planRun(settingsOf({ target: 'http://127.0.0.1:1', load: { users: 1003, workers: 4 } }), { platform: 'local' });
  assert.equal(plan.steps[0]!.workers, 4);
  assert.deepEqual(plan.lanes.map((lane) => lane.levels[0]), [251, 251, 251, 250]);
  assert.deepEqual([0, 1, 2, 3].map((worker) => shareOf(1003, 4, worker)), [251, 251, 251, 250]);
});

test('a slice longer than 14 minutes is refused (a Lambda runs at most 15)', () => {
  assert.throws(() => settingsOf({ target: 'http://127.0.0.1:1', load: { users: 1, sliceDuration: '15m' } }), /load\.sliceDuration/);
});

test('every slice invocation is made exactly once, by the coordinator or by a slice running at that moment', () => {
  const plan = planRun(settingsOf({ target: 'http://127.0.0.1:1', load: { steps: [1800, 900, 2700, 900], stepDuration: '3m', sliceDuration: '1m' } }), {
    platform: 'aws',
    runId: 'r1',
  });
  const startAt = 1_000_000;
  const seen = new Map<string, number>();
  const queue: SliceTask[] = firstTasks(plan, startAt);
  while (queue.length > 0) {
    const task = queue.shift()!;
    const key = `${task.lane}/${task.slice}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    const window = sliceWindow(plan, task);
    for (const { task: next, atOffsetMs } of invocationsDuring(plan, task)) {
      // Invoked from inside the invoking slice's window, ahead of the invoked slice's start.
      assert.ok(atOffsetMs >= window.startOffsetMs && atOffsetMs < window.endOffsetMs, `${key} invokes ${next.lane}/${next.slice} at ${atOffsetMs}`);
      assert.ok(atOffsetMs < sliceWindow(plan, next).startOffsetMs);
      queue.push(next);
    }
  }
  const all = allSliceTasks(plan, startAt);
  assert.equal(seen.size, all.length);
  assert.ok([...seen.values()].every((count) => count === 1));
  // The third lane joins only in the third step (6 minutes in): started by a lane running then.
  const third = plan.lanes[2]!;
  assert.equal(third.firstStep, 2);
  assert.ok(!firstTasks(plan, startAt).some((task) => task.lane === 2));
});

test("a slice covering several steps keeps the lane's users across them: one segment per step, ramping from the last", () => {
  const plan = planRun(settingsOf({ target: 'http://127.0.0.1:1', load: { steps: [10, 30, 10], stepDuration: '2s', workers: 1, spawnRate: 100 } }), {
    platform: 'local',
  });
  const schedule = laneSliceSchedule(plan, { runId: plan.runId, lane: 0, slice: 0, startAt: 10_000 });
  assert.equal(schedule.handsOver, false);
  assert.deepEqual(
    schedule.segments.map((segment) => [segment.step, segment.fromLevel, segment.level, segment.plannedStart, segment.plannedEnd]),
    [
      [0, 0, 10, 10_000, 12_000],
      [1, 10, 30, 12_000, 14_000],
      [2, 30, 10, 14_000, 16_000],
    ],
  );
});

test('users ramp at the spawn rate; a slice starting mid-ramp starts the users already reached', () => {
  const segment = { fromLevel: 10, level: 20, rampPerSecond: 2 };
  assert.equal(usersAt(segment, 0), 10);
  assert.equal(usersAt(segment, 499), 10);
  assert.equal(usersAt(segment, 500), 11);
  assert.equal(usersAt(segment, 2000), 14);
  assert.equal(usersAt(segment, 60_000), 20);
  assert.equal(usersAt({ fromLevel: 30, level: 10, rampPerSecond: 10 }, 1000), 20);
});

test('the lanes share the spawn rate: a step reaches its users at the spawn rate whichever lanes carry them', () => {
  const plan = planRun(settingsOf({ target: 'http://127.0.0.1:1', load: { steps: [100, 300], stepDuration: '1m', workers: 4, spawnRate: 50 } }), {
    platform: 'local',
  });
  const rates = plan.lanes.map((lane) => laneSliceSchedule(plan, { runId: plan.runId, lane: lane.index, slice: 0, startAt: 1 }).segments[1]!.rampPerSecond);
  assert.equal(+rates.reduce((sum, rate) => sum + rate, 0).toFixed(9), 50);
});

test('the default spawn rate ramps each step within a tenth of it (at most 10 s)', () => {
  const settings = settingsOf({ target: 'http://127.0.0.1:1', load: { steps: '100:300:100', stepDuration: '20s' } });
  assert.equal(settings.spawnRate, 50); // 100 more users each step over 2 s
});
