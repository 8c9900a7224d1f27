import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseScenario, resolveRunSettings } from '../../lib/config/run-settings.js';
import { decodeSliceResult } from '../../lib/engine/slice-result.js';
import { planRun, type RunPlan } from '../../lib/plan/run-plan.js';
import { firstTasks, planKey, stepPartKey } from '../../lib/plan/slice-task.js';
import type { BlobStore } from '../../lib/ports/blob-store.js';
import type { Invoker } from '../../lib/ports/invoker.js';
import type { ResultStore } from '../../lib/ports/result-store.js';
import { startTestTarget, type TestTarget } from '../helpers/test-target.js';
import { runRecord } from './result-store-contract.js';

/** An Invoker wired to the worker and aggregator it starts, and the stores they write to. */
export interface InvokerSubject {
  invoker: Invoker;
  blobs: BlobStore;
  results: ResultStore;
  close(): Promise<void>;
}

async function eventually<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > giveUpAt) assert.fail(`${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/**
 * What every Invoker must do: accept work and return before it is done, then have it run once by
 * the real worker (one slice of load, its histograms stored) or the real aggregator (a step merged).
 */
export function invokerContract(name: string, open: () => Promise<InvokerSubject>): void {
  describe(`Invoker contract: ${name}`, () => {
    let subject: InvokerSubject;
    let target: TestTarget;
    let plan: RunPlan;
    before(async () => {
      subject = await open();
      target = await startTestTarget();
      const settings = resolveRunSettings(parseScenario({ target: target.url, load: { users: 2, duration: '1s', workers: 1 } }, 'contract'));
      plan = planRun(settings, { platform: 'local', runId: `contract-invoker-${process.pid}-${Date.now()}` });
      await subject.blobs.put(planKey(plan.runId), JSON.stringify(plan));
    });
    after(async () => {
      await subject.close();
      await target.close();
    });

    test('invokeSlice returns once the work is accepted, and the worker then runs the slice once', async () => {
      const startAt = Date.now() + 800;
      await subject.results.createRun({ ...runRecord(plan.runId), startAt, plannedEndAt: startAt + plan.totalDurationMs, steps: 1, totalSlices: 1 });
      const [task] = firstTasks(plan, startAt);
      await subject.invoker.invokeSlice(task!);
      // Accepted, not awaited: the slice has not even begun.
      assert.ok(Date.now() < startAt, 'invokeSlice waited for the work');
      const key = stepPartKey({ runId: plan.runId, step: 0, slice: task!.slice, lane: task!.lane });
      assert.equal(await subject.blobs.get(key), undefined);

      const result = decodeSliceResult(await eventually('the slice result', () => subject.blobs.getBytes(key)));
      assert.ok(result.requests > 0, 'the worker generated load');
      assert.equal(result.requests, target.received());
      assert.ok(result.actualStart >= startAt - 5, 'the worker waited for the start barrier');
      assert.equal(await subject.results.claimSlice(task!, 'another-invocation'), false, 'the worker claimed its slice');
    });

    test('invokeAggregator returns at once, and the aggregator then merges the step into its item', async () => {
      await subject.invoker.invokeAggregator({ runId: plan.runId, step: 0 });
      const steps = await eventually('the step item', async () => {
        const listed = await subject.results.listSteps(plan.runId);
        return listed.length > 0 ? listed : undefined;
      });
      assert.equal(steps[0]!.step, 0);
      assert.equal(steps[0]!.requests, target.received());
      assert.equal(steps[0]!.receivedSlices, 1);
    });
  });
}
