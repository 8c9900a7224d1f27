import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { SliceTask, StepPartKey } from '../../lib/plan/slice-task.js';
import type { ResultStore, RunRecord, StepRecord } from '../../lib/ports/result-store.js';

export interface ResultStoreSubject {
  store: ResultStore;
  close(): Promise<void>;
}

export function runRecord(runId: string, createdAt = Date.now()): RunRecord {
  return {
    runId,
    status: 'running',
    platform: 'aws',
    target: 'http://127.0.0.1:1',
    model: 'closed',
    createdAt,
    startAt: createdAt + 1000,
    plannedEndAt: createdAt + 61_000,
    drainMs: 33_000,
    steps: 2,
    totalSlices: 8,
    stopRequested: false,
  };
}

function stepRecord(runId: string, step: number, requests: number): StepRecord {
  return {
    runId,
    step,
    model: 'closed',
    level: 10 * (step + 1),
    startedAt: 1_700_000_000_000 + step,
    durationS: 30,
    requests,
    errors: 1,
    rps: requests / 30,
    latency: { min: 1, mean: 2.5, p50: 2, p90: 4, p95: 5, p99: 9.5, p999: 12, max: 13 },
    expectedSlices: 4,
    receivedSlices: 4,
    status: 'completed',
  };
}

const task = (runId: string, slice: number, lane: number): SliceTask => ({ runId, slice, lane, startAt: 1_700_000_000_000 });
const part = (runId: string, step: number, slice: number, lane: number): StepPartKey => ({ runId, step, slice, lane });

/**
 * What every ResultStore must do: exactly-once claims and completions (a duplicated invocation
 * or a retried write counts once, also when callers race), a stop flag, step items overwritten
 * whole, a finalisation lock, failed invocations kept with their run.
 */
export function resultStoreContract(name: string, open: () => Promise<ResultStoreSubject>): void {
  describe(`ResultStore contract: ${name}`, () => {
    let subject: ResultStoreSubject;
    let store: ResultStore;
    let run = 0;
    const runId = () => `contract-${process.pid}-${++run}`;
    before(async () => {
      subject = await open();
      store = subject.store;
    });
    after(async () => subject.close());

    test('a created run reads back as written; creating it again fails; an unknown run is undefined', async () => {
      const record = runRecord(runId());
      await store.createRun(record);
      assert.deepEqual(await store.getRun(record.runId), record);
      await assert.rejects(() => store.createRun(record));
      assert.equal(await store.getRun(`${record.runId}-unknown`), undefined);
    });

    test('updateRun changes status, end and report key only; an unknown run is an error', async () => {
      const record = runRecord(runId());
      await store.createRun(record);
      await store.updateRun(record.runId, { status: 'partial', endedAt: 42, reportKey: `${record.runId}/report.json` });
      assert.deepEqual(await store.getRun(record.runId), { ...record, status: 'partial', endedAt: 42, reportKey: `${record.runId}/report.json` });
      await assert.rejects(() => store.updateRun(`${record.runId}-unknown`, { status: 'failed' }));
    });

    test('listRuns gives the newest first, at most `limit`', async () => {
      const base = Date.now() + 10_000_000 + run * 1000;
      const ids = [runId(), runId(), runId()];
      await Promise.all(ids.map((id, index) => store.createRun(runRecord(id, base + index))));
      const newest = await store.listRuns(2);
      assert.deepEqual(
        newest.map((record) => record.runId),
        [ids[2], ids[1]],
      );
    });

    test('the stop flag is off until requested, then on for every reader', async () => {
      const record = runRecord(runId());
      await store.createRun(record);
      assert.equal(await store.isStopRequested(record.runId), false);
      await store.requestStop(record.runId);
      assert.equal(await store.isStopRequested(record.runId), true);
      assert.equal((await store.getRun(record.runId))?.stopRequested, true);
    });

    test('a slice is claimed once: a duplicated invocation gets false, other slices are separate', async () => {
      const id = runId();
      assert.equal(await store.claimSlice(task(id, 0, 0), 'invocation-a'), true);
      assert.equal(await store.claimSlice(task(id, 0, 0), 'invocation-b'), false);
      assert.equal(await store.claimSlice(task(id, 0, 1), 'invocation-c'), true);
      assert.equal(await store.claimSlice(task(id, 1, 0), 'invocation-d'), true);
      assert.deepEqual(await store.listClaims(id, 0), [0, 1]);
      assert.deepEqual(await store.listClaims(id, 1), [0]);
      assert.deepEqual(await store.listClaims(id, 2), []);
    });

    test('a claim asked for again by its own invocation (a retried write whose answer was lost) is still its own', async () => {
      const id = runId();
      assert.equal(await store.claimSlice(task(id, 3, 17), 'invocation-a'), true);
      assert.equal(await store.claimSlice(task(id, 3, 17), 'invocation-a'), true);
      assert.equal(await store.claimSlice(task(id, 3, 17), 'invocation-b'), false);
    });

    test('racing claims of one slice: exactly one wins', async () => {
      const id = runId();
      const wins = await Promise.all(Array.from({ length: 8 }, (_, index) => store.claimSlice(task(id, 0, 0), `invocation-${index}`)));
      assert.equal(wins.filter(Boolean).length, 1);
    });

    test('step results are recorded once each, per step; a repeated record (a retry, a duplicate) adds nothing', async () => {
      const id = runId();
      assert.equal(await store.completePart(part(id, 0, 0, 0)), true);
      assert.equal(await store.completePart(part(id, 0, 0, 0)), false);
      assert.equal(await store.completePart(part(id, 0, 0, 1)), true);
      assert.equal(await store.completePart(part(id, 1, 0, 0)), true);
      assert.equal(await store.completePart(part(id, 0, 1, 0)), true);
      const sorted = (parts: Array<{ slice: number; lane: number }>) => [...parts].sort((a, b) => a.slice - b.slice || a.lane - b.lane);
      assert.deepEqual(sorted(await store.listDoneParts(id, 0)), [
        { slice: 0, lane: 0 },
        { slice: 0, lane: 1 },
        { slice: 1, lane: 0 },
      ]);
      assert.deepEqual(await store.listDoneParts(id, 1), [{ slice: 0, lane: 0 }]);
      assert.deepEqual(await store.listDoneParts(id, 2), []);
    });

    test('racing step results of many lanes, each recorded twice at once: each is there once', async () => {
      const id = runId();
      const parts = Array.from({ length: 40 }, (_, lane) => part(id, 0, 2, lane));
      const firsts = await Promise.all([...parts, ...parts].map((one) => store.completePart(one)));
      assert.equal(firsts.filter(Boolean).length, 40);
      const done = await store.listDoneParts(id, 0);
      assert.equal(done.length, 40);
      assert.deepEqual(new Set(done.map((one) => one.lane)).size, 40);
    });

    test('finalisation is locked: one owner at a time, its own retry resumes it, a dead owner\'s lease runs out', async () => {
      const record = runRecord(runId());
      await store.createRun(record);
      const deadline = { whileRunning: true, leaseMs: 60_000 };
      assert.equal(await store.acquireFinalization(record.runId, 'watch', deadline), true);
      assert.equal(await store.acquireFinalization(record.runId, 'status-read', deadline), false, 'another finaliser waits');
      assert.equal(await store.acquireFinalization(record.runId, 'watch', deadline), true, 'the same invocation, retried, resumes');
      assert.equal(await store.completeFinalization(record.runId, 'status-read', { status: 'partial', endedAt: 1 }), false, 'only the owner completes');
      assert.equal(await store.completeFinalization(record.runId, 'watch', { status: 'partial', endedAt: 7, reportKey: `${record.runId}/report.json`, partsDone: 5 }), true);
      assert.deepEqual(await store.getRun(record.runId), { ...record, status: 'partial', endedAt: 7, reportKey: `${record.runId}/report.json`, partsDone: 5 });
      // Ended: a deadline finaliser stands down; a re-finalisation (late results) may go ahead.
      assert.equal(await store.acquireFinalization(record.runId, 'late', deadline), false);
      assert.equal(await store.acquireFinalization(record.runId, 'late', { whileRunning: false, leaseMs: 60_000 }), true);

      const crashed = runRecord(runId());
      await store.createRun(crashed);
      assert.equal(await store.acquireFinalization(crashed.runId, 'died', { whileRunning: true, leaseMs: 1 }), true);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await store.acquireFinalization(crashed.runId, 'backstop', deadline), true, 'the lease of a dead holder ran out');
      assert.equal(await store.completeFinalization(crashed.runId, 'died', { status: 'completed', endedAt: 1 }), false);
    });

    test('failed invocations are stored with their run, once per request id', async () => {
      const id = runId();
      const failure = { requestId: 'req-1', function: 'worker', what: 'lane 1 slice 2', condition: 'RetriesExhausted', error: 'Runtime exited', attempts: 1, at: 10 };
      await store.recordFailure(id, failure);
      await store.recordFailure(id, failure);
      await store.recordFailure(id, { ...failure, requestId: 'req-2', function: 'aggregator', what: 'watch over the run', attempts: 3, at: 20 });
      assert.deepEqual(
        (await store.listFailures(id)).map((one) => [one.requestId, one.function, one.attempts]),
        [
          ['req-1', 'worker', 1],
          ['req-2', 'aggregator', 3],
        ],
      );
      assert.deepEqual(await store.listFailures(`${id}-none`), []);
    });

    test('step items list in step order; a step written again is replaced whole', async () => {
      const id = runId();
      await store.putStep(stepRecord(id, 1, 200));
      await store.putStep(stepRecord(id, 0, 100));
      await store.putStep({ ...stepRecord(id, 1, 250), status: 'partial', receivedSlices: 3 });
      const steps = await store.listSteps(id);
      assert.deepEqual(steps, [stepRecord(id, 0, 100), { ...stepRecord(id, 1, 250), status: 'partial', receivedSlices: 3 }]);
      assert.deepEqual(await store.listSteps(`${id}-none`), []);
    });
  });
}
