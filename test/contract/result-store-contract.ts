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
 * counts once, also when callers race), a stop flag, step items overwritten whole.
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
      assert.equal(await store.claimSlice(task(id, 0, 0)), true);
      assert.equal(await store.claimSlice(task(id, 0, 0)), false);
      assert.equal(await store.claimSlice(task(id, 0, 1)), true);
      assert.equal(await store.claimSlice(task(id, 1, 0)), true);
    });

    test('racing claims of one slice: exactly one wins', async () => {
      const id = runId();
      const wins = await Promise.all(Array.from({ length: 8 }, () => store.claimSlice(task(id, 0, 0))));
      assert.equal(wins.filter(Boolean).length, 1);
    });

    test('step results count per step, and a duplicate does not count again', async () => {
      const id = runId();
      assert.deepEqual(await store.completePart(part(id, 0, 0, 0)), { first: true, doneInStep: 1 });
      assert.deepEqual(await store.completePart(part(id, 0, 0, 0)), { first: false, doneInStep: 1 });
      assert.deepEqual(await store.completePart(part(id, 0, 0, 1)), { first: true, doneInStep: 2 });
      assert.deepEqual(await store.completePart(part(id, 1, 0, 0)), { first: true, doneInStep: 1 });
      assert.deepEqual(await store.completePart(part(id, 0, 1, 0)), { first: true, doneInStep: 3 });
    });

    test('racing step results: each counts once, and some caller sees the whole step', async () => {
      const id = runId();
      const parts = Array.from({ length: 10 }, (_, lane) => part(id, 0, 0, lane));
      // Every result recorded twice at once, as duplicated invocations finishing together would.
      const outcomes = await Promise.all([...parts, ...parts].map((one) => store.completePart(one)));
      assert.equal(outcomes.filter((outcome) => outcome.first).length, 10);
      assert.ok(outcomes.every((outcome) => outcome.doneInStep >= 0 && outcome.doneInStep <= 10));
      assert.equal(Math.max(...outcomes.filter((outcome) => outcome.first).map((outcome) => outcome.doneInStep)), 10);
      assert.deepEqual(await store.completePart(parts[0]!), { first: false, doneInStep: 10 });
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
