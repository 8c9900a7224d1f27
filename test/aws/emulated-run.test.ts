import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient, lambdaClient, s3Client } from '../../lib/adapters/aws/aws-clients.js';
import { ApiError, type FanoutApiClient } from '../../lib/api/api-client.js';
import type { ScenarioInput } from '../../lib/config/scenario-schema.js';
import { startEmulatedStack, type EmulatedStack } from '../../lib/emulate/emulated-stack.js';
import type { Report } from '../../lib/report/report-types.js';
import type { SliceTask } from '../../lib/plan/slice-task.js';
import { startTestTarget, type TestTarget } from '../helpers/test-target.js';
import { apiClientOf, waitForRunEnd, workerInvocations } from '../helpers/aws-stack-helpers.js';

/**
 * The AWS path end to end on 127.0.0.1: POST /runs → coordinator → workers × slices through the
 * Lambda Invoke API → histograms in S3 → aggregator → step items in DynamoDB → report.json in S3.
 */
let stack: EmulatedStack;
let api: FanoutApiClient;
let target: TestTarget;

before(async () => {
  stack = await startEmulatedStack({ barrierMs: 1500, stragglerGraceMs: 1000, watchPollMs: 250 });
  api = apiClientOf(stack);
});
after(async () => {
  await stack.lambda.whenIdle();
  await stack.close();
});

/**
 * Two steps of 2 s, slices of 1 s, two workers: the first carries step 1's 2 users and keeps them
 * into step 2 (4 slices), the second joins for step 2 (2 slices): 6 invocations, 6 step results.
 */
const twoSteps = (url: string): ScenarioInput => ({
  target: url,
  requests: [
    { name: 'home', path: '/' },
    { name: 'missing', path: '/missing', expect: { status: [404] } },
  ],
  load: { steps: [2, 4], stepDuration: '2s', sliceDuration: '1s', workers: 2 },
});

async function reportOf(runId: string): Promise<{ text: string; report: Report }> {
  const link = await api.reportLink(runId);
  return api.downloadReport(link.url);
}

async function stepItems(runId: string): Promise<Array<Record<string, unknown>>> {
  const { Items } = await dynamoDocumentClient(stack.config.connection).send(
    new QueryCommand({
      TableName: stack.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :step)',
      ExpressionAttributeValues: { ':pk': `run#${runId}`, ':step': 'step#' },
    }),
  );
  // The TTL moves on with each write; the results must not.
  return (Items ?? []).map(({ expiresAt: _, ...item }) => item);
}

async function s3Keys(prefix: string): Promise<string[]> {
  const listed = await s3Client(stack.config.connection).send(new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key!).sort();
}

test('a run through the HTTP API: the report in S3 counts exactly what the target received', async () => {
  target = await startTestTarget({ delayMs: 2, statusByPath: { '/missing': 404 } });
  try {
    const started = await api.startRun(twoSteps(target.url));
    assert.equal(started.steps, 2);
    assert.equal(started.totalSlices, 6);
    const final = await waitForRunEnd(api, started.runId);
    await stack.lambda.whenIdle();
    assert.equal(final.run.status, 'completed');

    // Workers: 6 slice invocations through the Invoke API, each an async Event, none failed.
    const workers = workerInvocations(stack, started.runId);
    assert.equal(workers.length, 6);
    assert.ok(workers.every((invocation) => invocation.type === 'Event' && invocation.error === undefined));
    assert.ok(workers.every((invocation) => (invocation.result as { ran: boolean }).ran));

    // Slice results (CBOR) in S3 under runs/<id>/steps/<s>/slices/<k>/<w>.cbor, plan and report beside them.
    const keys = await s3Keys(`runs/${started.runId}/`);
    assert.equal(keys.filter((key) => /\/steps\/\d\/slices\/\d\/\d\.cbor$/.test(key)).length, 6);
    assert.ok(keys.includes(`runs/${started.runId}/plan.json`));
    assert.ok(keys.includes(`runs/${started.runId}/report.json`));

    // report.json, read from S3 itself and through the presigned link: the target's own count.
    const object = await s3Client(stack.config.connection).send(new GetObjectCommand({ Bucket: stack.bucket, Key: `runs/${started.runId}/report.json` }));
    const report = JSON.parse(await object.Body!.transformToString()) as Report;
    assert.deepEqual((await reportOf(started.runId)).report, report);
    const received = target.received();
    assert.ok(received > 100, `the target saw real load (${received})`);
    assert.equal(report.totals.requests, received);
    assert.equal(report.status, 'completed');
    assert.equal(report.run.platform, 'aws');
    assert.deepEqual(report.completeness, { expected: 6, received: 6 });
    const byName = Object.fromEntries(report.requests.map((request) => [request.name, request.requests]));
    assert.equal(byName.missing, target.receivedByPath()['/missing']);
    assert.equal(report.totals.errorsByType.http_status, undefined, 'an expected 404 is no error');
    // What was in flight at each 1 s hand-off is cut and counted, and not held against the target.
    assert.equal(report.totals.errors, report.totals.errorsByType.cut ?? 0);
    assert.equal(report.totals.errorRate, 0);

    // One item per step in DynamoDB, adding up to the same total.
    const items = await stepItems(started.runId);
    assert.equal(items.length, 2);
    assert.equal(items.reduce((sum, item) => sum + Number(item.requests), 0), received);
    assert.deepEqual(items.map((item) => item.level), [2, 4]);
    assert.deepEqual(items.map((item) => [item.status, item.receivedSlices]), [['completed', 2], ['completed', 4]]);
    assert.ok(items.every((item) => typeof (item.latency as { p95?: unknown }).p95 === 'number'));

    // GET /runs/{id}: status, plan, the steps and live progress from the runs table.
    assert.equal(final.steps.length, 2);
    assert.equal(final.plan?.steps.length, 2);
    assert.equal(final.progress.slicesDone, 6);
    assert.ok(final.progress.recent.length > 0, 'workers wrote live progress');
  } finally {
    await target.close();
  }
});

test('duplicated worker invocations leave the results unchanged', async () => {
  target = await startTestTarget({ delayMs: 2, statusByPath: { '/missing': 404 } });
  // Lambda delivers async events at least once: every worker event is delivered twice here.
  stack.lambda.faults = { duplicateEvent: (name) => name === stack.functions.worker };
  try {
    const started = await api.startRun(twoSteps(target.url));
    const final = await waitForRunEnd(api, started.runId);
    await stack.lambda.whenIdle();
    assert.equal(final.run.status, 'completed');
    const workers = workerInvocations(stack, started.runId);
    assert.ok(workers.length >= 12, `every slice delivered twice (${workers.length})`);
    const ran = workers.filter((invocation) => (invocation.result as { ran?: boolean }).ran === true);
    assert.equal(ran.length, 6, 'each slice ran once');
    assert.ok(workers.filter((invocation) => !ran.includes(invocation)).every((invocation) => (invocation.result as { reason?: string }).reason === 'duplicate'));

    const before = await reportOf(started.runId);
    assert.equal(before.report.totals.requests, target.received());
    assert.deepEqual(before.report.completeness, { expected: 6, received: 6 });
    const itemsBefore = await stepItems(started.runId);

    // A late duplicate of a finished slice, and the aggregator run again: nothing changes.
    stack.lambda.faults = {};
    const lambda = lambdaClient(stack.config.connection);
    const task: SliceTask = { ...(workers[0]!.payload as SliceTask) };
    const again = await lambda.send(new InvokeCommand({ FunctionName: stack.functions.worker, Payload: JSON.stringify(task) }));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(again.Payload)), { ran: false, reason: 'window-passed' });
    // And one whose window is still open meets the claim: nothing runs twice.
    const claimed = await lambda.send(new InvokeCommand({ FunctionName: stack.functions.worker, Payload: JSON.stringify({ ...task, startAt: Date.now() + 60_000 }) }));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(claimed.Payload)), { ran: false, reason: 'duplicate' });
    const rerun = await lambda.send(new InvokeCommand({ FunctionName: stack.functions.aggregator, Payload: JSON.stringify({ runId: started.runId }) }));
    assert.equal(rerun.FunctionError, undefined);
    const after = await reportOf(started.runId);
    assert.deepEqual(after.report, before.report);
    assert.deepEqual(await stepItems(started.runId), itemsBefore);
    assert.equal(after.report.totals.requests, target.received());
  } finally {
    stack.lambda.faults = {};
    await target.close();
  }
});

test('a stop request ends every worker within about 2 s and still yields a report, status aborted', async (t) => {
  target = await startTestTarget({ delayMs: 5 });
  try {
    const started = await api.startRun({ target: target.url, load: { users: 4, duration: '30s', sliceDuration: '5s', workers: 2 } });
    // Let the load run for a moment past the start barrier.
    while (Date.now() < started.startAt + 2000) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(target.received() > 0, 'load is running');
    const stopAt = Date.now();
    const stopped = await api.stopRun(started.runId);
    assert.equal(stopped.status, 'stopping');

    const final = await waitForRunEnd(api, started.runId, 40_000);
    await stack.lambda.whenIdle();
    const workers = workerInvocations(stack, started.runId);
    const lastEnd = Math.max(...workers.map((invocation) => invocation.endedAt ?? Infinity));
    // About 2 s: the next stop-flag read (every second) and the drain. Generous on a busy machine.
    t.diagnostic(`the last of ${workers.length} worker invocations ended ${lastEnd - stopAt} ms after the stop request`);
    assert.ok(lastEnd - stopAt < 5000, `the last worker ended ${lastEnd - stopAt} ms after the stop`);
    assert.ok(Date.now() < started.plannedEndAt, 'the run ended long before its planned end');

    assert.equal(final.run.status, 'aborted');
    const { report } = await reportOf(started.runId);
    assert.equal(report.status, 'aborted');
    assert.equal(report.totals.requests, target.received());
    assert.ok(report.completeness.received < report.completeness.expected);
    // A second stop is refused: the run has ended.
    await assert.rejects(() => api.stopRun(started.runId), (error: unknown) => error instanceof ApiError && error.status === 409);
  } finally {
    await target.close();
  }
});

test('a slice that never runs: its lane goes on, and the supervisor finalises at the deadline with status partial, naming it', async () => {
  target = await startTestTarget({ delayMs: 2, statusByPath: { '/missing': 404 } });
  // The second worker's first slice (it joins at step 2) is lost every time it is invoked, and
  // with it the chain timer that would have invoked the lane's next slice.
  stack.lambda.faults = {
    dropEvent: (name, payload) => {
      const task = payload as Partial<SliceTask>;
      return name === stack.functions.worker && task.slice === 2 && task.lane === 1;
    },
  };
  try {
    const started = await api.startRun(twoSteps(target.url));
    const final = await waitForRunEnd(api, started.runId, 40_000);
    await stack.lambda.whenIdle();
    assert.equal(final.run.status, 'partial');
    assert.ok(Date.now() >= started.plannedEndAt, 'finalised only after the planned end');
    const { report } = await reportOf(started.runId);
    assert.equal(report.status, 'partial');
    // The run's supervisor invoked lane 1's next slice itself: only the lost one is missing.
    assert.deepEqual(report.completeness, { expected: 6, received: 5, missing: [{ step: 1, slice: 2, lane: 1 }] });
    assert.ok(
      workerInvocations(stack, started.runId).some((invocation) => (invocation.payload as SliceTask).lane === 1 && (invocation.payload as SliceTask).slice === 3 && (invocation.result as { ran?: boolean }).ran),
      'lane 1 went on with slice 3',
    );
    assert.deepEqual(
      report.steps.map((step) => step.status),
      ['completed', 'partial'],
    );
    assert.match(report.warnings.join('\n'), /1 step result\(s\) never arrived \(step 2 slice 2 lane 1\)/);
    assert.equal(report.totals.requests, target.received());
    const items = await stepItems(started.runId);
    assert.deepEqual(
      items.map((item) => [item.status, item.receivedSlices]),
      [
        ['completed', 2],
        ['partial', 3],
      ],
    );
  } finally {
    stack.lambda.faults = {};
    await target.close();
  }
});

test('the coordinator refuses a run that Lambda concurrency cannot hold, naming the quota and the numbers', async () => {
  const scenario = twoSteps('http://127.0.0.1:9');
  const before = stack.lambda.invocations.length;
  try {
    stack.lambda.unreservedConcurrency = 5;
    const account = await api.startRun(scenario).then(
      () => assert.fail('started'),
      (error: unknown) => error as ApiError,
    );
    assert.equal(account.status, 409);
    assert.equal(account.body.error, 'quota');
    assert.match(account.body.quota!, /UnreservedConcurrentExecutions/);
    assert.equal(account.body.available, 5);
    assert.ok(account.body.needed! > 5);
    assert.match(account.body.message, /needs \d+ concurrent executions/);

    stack.lambda.unreservedConcurrency = 1000;
    stack.lambda.setReservedConcurrency(stack.functions.worker, 3);
    const reserved = await api.startRun(scenario).then(
      () => assert.fail('started'),
      (error: unknown) => error as ApiError,
    );
    assert.equal(reserved.status, 409);
    assert.equal(reserved.body.quota, 'worker reserved concurrency');
    assert.equal(reserved.body.available, 3);
    // Every slice is invoked 10 s ahead of its start: all 6 invocations are alive at once.
    assert.equal(reserved.body.needed, 6);
  } finally {
    stack.lambda.unreservedConcurrency = 1000;
    stack.lambda.setReservedConcurrency(stack.functions.worker, undefined);
  }
  const since = stack.lambda.invocations.slice(before);
  assert.ok(since.every((invocation) => invocation.functionName !== stack.functions.worker), 'no worker was started');
});

test('users persist across steps on AWS too: 10 → 30 → 10 on one worker, at most 30 connections and 30 requests in flight', async () => {
  target = await startTestTarget({ delayMs: 20 });
  try {
    const started = await api.startRun({ target: target.url, load: { steps: [10, 30, 10], stepDuration: '2s', workers: 1, spawnRate: 100 } });
    const final = await waitForRunEnd(api, started.runId);
    await stack.lambda.whenIdle();
    assert.equal(final.run.status, 'completed');
    assert.equal(workerInvocations(stack, started.runId).length, 1, 'one invocation runs all three steps');
    const { report } = await reportOf(started.runId);
    assert.deepEqual(report.steps.map((step) => step.users), [10, 30, 10]);
    assert.equal(report.totals.requests, target.received());
    assert.ok(target.connections() <= 32, `the target saw ${target.connections()} connections for 30 users`);
    assert.ok(target.maxInFlight() <= 31, `the target saw ${target.maxInFlight()} requests in flight for 30 users`);
  } finally {
    await target.close();
  }
});

test('the API: bad input is a 400 naming each field; unsigned requests are refused; unknown runs are 404', async () => {
  const bad = await api.startRun({ target: 'ftp://x', load: { users: -1, duration: 'soon' } } as ScenarioInput).then(
    () => assert.fail('started'),
    (error: unknown) => error as ApiError,
  );
  assert.equal(bad.status, 400);
  const fields = bad.body.problems!.map((problem) => problem.field).sort();
  assert.deepEqual(fields, ['load.duration', 'load.users', 'target']);

  const crossField = await api.startRun({ target: 'http://127.0.0.1:9', load: { users: 5, rate: 10 } }).then(
    () => assert.fail('started'),
    (error: unknown) => error as ApiError,
  );
  assert.equal(crossField.status, 400);
  assert.deepEqual(crossField.body.problems!.map((problem) => problem.field), ['load.rate']);

  const demo = await api.startRun({ target: 'demo', load: { users: 5 } }).then(
    () => assert.fail('started'),
    (error: unknown) => error as ApiError,
  );
  assert.deepEqual(demo.body.problems!.map((problem) => problem.field), ['target']);

  const unsigned = await fetch(`${stack.apiUrl}/runs`, { method: 'POST', body: '{}' });
  assert.equal(unsigned.status, 403);
  const noRoute = await fetch(`${stack.apiUrl}/runs/x`, { method: 'DELETE' });
  assert.equal(noRoute.status, 404);

  await assert.rejects(() => api.getRun('no-such-run'), (error: unknown) => error instanceof ApiError && error.status === 404);
  await assert.rejects(() => api.reportLink('no-such-run'), (error: unknown) => error instanceof ApiError && error.status === 404);
});
