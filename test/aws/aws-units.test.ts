import { createHash } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenarioDocumentOf } from '../../lib/api/scenario-document.js';
import { settingsFromRunRequest } from '../../lib/api/run-request.js';
import { matchRoute } from '../../lib/api/routes.js';
import { signRequest } from '../../lib/aws-http/sign-request.js';
import { parseScenario, resolveRunSettings } from '../../lib/config/run-settings.js';
import type { ScenarioInput } from '../../lib/config/scenario-schema.js';
import { findQuotaShortfall } from '../../lib/coordinator/check-quotas.js';
import { estimateCost } from '../../lib/cost/estimate-cost.js';
import { peakWorkerConcurrency } from '../../lib/cost/worker-concurrency.js';
import { coordinateRun } from '../../lib/lambda/coordinate-run.js';
import { handleAggregation } from '../../lib/lambda/handle-aggregation.js';
import { handleApiRequest, type ApiDeps } from '../../lib/lambda/handle-api-request.js';
import { envForRuntimeConfig, runtimeConfigFromEnv } from '../../lib/lambda/runtime-config.js';
import { planRun } from '../../lib/plan/run-plan.js';
import type { AggregateRequest, Invoker } from '../../lib/ports/invoker.js';
import { runRecord } from '../contract/result-store-contract.js';
import { rm } from 'node:fs/promises';
import { LocalBlobStore } from '../../lib/adapters/local/local-blob-store.js';
import { LocalResultStore } from '../../lib/adapters/local/local-result-store.js';
import { planKey } from '../../lib/plan/slice-task.js';
import { tempDir } from '../helpers/run-helpers.js';

const settingsOf = (document: ScenarioInput) => resolveRunSettings(parseScenario(document, 'test'));

test('SigV4: the signature AWS documents for its IAM example, and one for execute-api with a session token', async () => {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const iam = await signRequest(
    {
      method: 'GET',
      url: new URL('https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08'),
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: '',
    },
    credentials,
    { region: 'us-east-1', service: 'iam' },
    new Date('2015-08-30T12:36:00Z'),
  );
  assert.equal(
    iam.authorization,
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, ' +
      'Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
  );
  // Computed once by the hand-written signer this replaced; the SDK's signer must agree.
  const body = '{"a":1}';
  const api = await signRequest(
    {
      method: 'POST',
      url: new URL('https://abc.execute-api.eu-west-1.amazonaws.com/runs/x-1/stop?runId=a%20b&z=1&a=2'),
      headers: { 'content-type': 'application/json', 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') },
      body,
    },
    { ...credentials, sessionToken: 'TOKEN' },
    { region: 'eu-west-1', service: 'execute-api' },
    new Date('2026-01-02T03:04:05Z'),
  );
  assert.equal(api['x-amz-security-token'], 'TOKEN');
  assert.equal(
    api.authorization,
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102/eu-west-1/execute-api/aws4_request, ' +
      'SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, ' +
      'Signature=9952d990280fdda7dc30a0e16553bce0c1db031045df06de72f4ddcc4541b41c',
  );
});

test('the CLI\'s settings written as a POST /runs body resolve to the very same settings', () => {
  const closed = settingsOf({
    name: 'checkout',
    target: 'https://shop.example.com',
    requests: [
      { name: 'home', path: '/', weight: 3, headers: { 'x-test': '1' } },
      { method: 'post', path: '/cart', json: { sku: 42 }, expect: { status: [200, 201] } },
      { method: 'PUT', path: '/note', body: 'hello' },
    ],
    thinkTime: { min: '500ms', max: '1.5s' },
    load: { steps: '100:1000:300', duration: '1m', sliceDuration: '20s', timeout: '5s', workers: 3 },
    slo: 'p95<1s',
    thresholds: ['errors<1%'],
  });
  assert.deepEqual(settingsFromRunRequest(JSON.parse(JSON.stringify(scenarioDocumentOf(closed)))), closed);
  const open = settingsOf({ target: 'http://10.0.0.5:8080/', load: { rate: 1500, duration: '5m', maxInFlight: 2000 } });
  assert.deepEqual(settingsFromRunRequest(JSON.parse(JSON.stringify(scenarioDocumentOf(open)))), open);
});

test('cost: 200 workers × 5 min × 1 GB on x86 is about 60,000 GB-s ≈ $1.00; arm64 about 20 % less', () => {
  const plan = planRun(settingsOf({ target: 'http://x.test', load: { users: 200 * 900, duration: '5m', sliceDuration: '5m' } }), { platform: 'aws' });
  assert.equal(plan.steps[0]!.workers, 200);
  const x86 = estimateCost(plan, { workerMemoryMb: 1024, architecture: 'x86_64', barrierMs: 10_000 });
  // Each worker is billed from the fan-out (a 10 s barrier) to its end, a drain of up to 5 s and its writes: 317 s.
  assert.equal(Math.round(x86.workerGbSeconds), 200 * 317);
  assert.ok(x86.totalUsd > 1.0 && x86.totalUsd < 1.15, `x86 total $${x86.totalUsd}`);
  const arm = estimateCost(plan, { workerMemoryMb: 1024, architecture: 'arm64', barrierMs: 10_000 });
  assert.ok(Math.abs(arm.lambdaComputeUsd / x86.lambdaComputeUsd - 0.8) < 0.01);
  const twice = estimateCost(plan, { workerMemoryMb: 2048, architecture: 'x86_64', barrierMs: 10_000 });
  assert.equal(Math.round(twice.workerGbSeconds), 2 * 200 * 317);
  assert.equal(x86.workerInvocations, 200);
  assert.equal(x86.peakConcurrentWorkers, 200);
});

test('peak concurrency counts the invocations chained ahead of the boundary beside the ones ending', () => {
  const twoSteps = planRun(settingsOf({ target: 'http://x.test', load: { steps: [3, 5], stepDuration: '1m', workers: 3 } }), { platform: 'aws' });
  assert.equal(peakWorkerConcurrency(twoSteps, 10_000), 3, 'two workers carry on into step 2, the third joins then');
  const oneSlice = planRun(settingsOf({ target: 'http://x.test', load: { users: 10, duration: '1m', workers: 4 } }), { platform: 'aws' });
  assert.equal(peakWorkerConcurrency(oneSlice, 10_000), 4);
  const twoSlices = planRun(settingsOf({ target: 'http://x.test', load: { users: 10, duration: '2m', sliceDuration: '1m', workers: 4 } }), { platform: 'aws' });
  assert.equal(peakWorkerConcurrency(twoSlices, 10_000), 8);
  const longRun = planRun(settingsOf({ target: 'http://x.test', load: { users: 10, duration: '10m', sliceDuration: '1m', workers: 4 } }), { platform: 'aws' });
  assert.equal(peakWorkerConcurrency(longRun, 10_000), 8, 'slices a minute apart overlap only at their boundary');
});

test('quota shortfalls name the quota, the number needed and the number there is', () => {
  assert.equal(findQuotaShortfall(100, { unreservedAccountConcurrency: 1000, workerReservedConcurrency: undefined }), undefined);
  assert.equal(findQuotaShortfall(100, { unreservedAccountConcurrency: 10, workerReservedConcurrency: 100 }), undefined);
  const account = findQuotaShortfall(100, { unreservedAccountConcurrency: 50, workerReservedConcurrency: undefined })!;
  assert.deepEqual([account.quota, account.needed, account.available], ['account concurrency (UnreservedConcurrentExecutions)', 102, 50]);
  assert.match(account.message, /Service Quotas/);
  const zero = findQuotaShortfall(4, { unreservedAccountConcurrency: 1000, workerReservedConcurrency: 0 })!;
  assert.equal(zero.quota, 'worker reserved concurrency');
  assert.match(zero.message, /0 throttles every invocation/);
});

test('the coordinator refuses a slice that cannot fit the worker\'s timeout, before asking for quotas', async () => {
  const fail = () => assert.fail('should not be reached');
  const result = await coordinateRun(
    { runId: 'r-1', scenario: { target: 'http://x.test', load: { users: 5, duration: '10m', sliceDuration: '10m' } } },
    { blobs: fail as never, results: fail as never, invoker: fail as never, readQuotas: fail, secrets: fail as never },
    { barrierMs: 10_000, workerTimeoutMs: 300_000, stragglerGraceMs: 60_000 },
  );
  assert.equal(result.outcome, 'bad-input');
  assert.deepEqual(result.outcome === 'bad-input' && result.problems.map((problem) => problem.field), ['load.sliceDuration']);
});

test('the supervisor hands its watch to a fresh invocation before Lambda\'s time runs out, and stands down for an ended run', async () => {
  const root = await tempDir('fanout-supervisor-');
  try {
    const blobs = new LocalBlobStore(root);
    const results = new LocalResultStore(root);
    const plan = planRun(settingsOf({ target: 'http://x.test', load: { users: 2, duration: '1h', workers: 1 } }), { platform: 'aws', runId: 'r-2' });
    await blobs.put(planKey(plan.runId), JSON.stringify(plan));
    await results.createRun({ ...runRecord(plan.runId), startAt: Date.now() + 60_000, plannedEndAt: Date.now() + 3_660_000 });
    const invoked: AggregateRequest[] = [];
    const invoker: Invoker = { invokeSlice: async () => assert.fail('no slice is overdue'), invokeAggregator: async (request) => void invoked.push(request) };
    const deps = { blobs, results, invoker };
    const finalizeAt = Date.now() + 3_600_000;
    const handover = await handleAggregation({ runId: 'r-2', finalizeAt }, deps, { remainingMs: () => 30_000 });
    assert.deepEqual(handover, { kind: 'rescheduled', finalizeAt });
    assert.deepEqual(invoked, [{ runId: 'r-2', finalizeAt }]);

    await results.updateRun('r-2', { status: 'completed' });
    const ended = await handleAggregation({ runId: 'r-2', finalizeAt }, deps, { remainingMs: () => 900_000 });
    assert.deepEqual(ended, { kind: 'already-final', runStatus: 'completed' });
    assert.equal(invoked.length, 1);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('the functions\' environment: a missing variable is named; what an emulated stack sets reads back', () => {
  assert.throws(() => runtimeConfigFromEnv({ FANOUT_TABLE: 't' }), /FANOUT_BUCKET/);
  const config = runtimeConfigFromEnv({
    AWS_REGION: 'eu-west-1',
    FANOUT_BUCKET: 'b',
    FANOUT_TABLE: 't',
    FANOUT_WORKER_FUNCTION: 'w',
    FANOUT_AGGREGATOR_FUNCTION: 'a',
    FANOUT_COORDINATOR_FUNCTION: 'c',
    FANOUT_STRAGGLER_GRACE_MS: '60000',
  });
  assert.equal(config.workerTimeoutMs, 900_000);
  assert.equal(config.connection.endpoints, undefined, 'no emulator endpoints on AWS');
  assert.deepEqual(runtimeConfigFromEnv(envForRuntimeConfig(config)), config);
});

test('routes match as API Gateway matches them', () => {
  assert.deepEqual(matchRoute('POST', '/runs'), { routeKey: 'POST /runs', pathParameters: {} });
  assert.deepEqual(matchRoute('get', '/runs/20261129-abc'), { routeKey: 'GET /runs/{id}', pathParameters: { id: '20261129-abc' } });
  assert.deepEqual(matchRoute('POST', '/runs/x/stop'), { routeKey: 'POST /runs/{id}/stop', pathParameters: { id: 'x' } });
  assert.equal(matchRoute('GET', '/runs/x/stop'), undefined);
  assert.equal(matchRoute('DELETE', '/runs/x'), undefined);
});

test('a status read well past a run\'s deadline finalises it: the backstop for a lost watchdog', async () => {
  const invoked: AggregateRequest[] = [];
  const longAgo = Date.now() - 3_600_000;
  const run = { ...runRecord('r-3', longAgo), startAt: longAgo, plannedEndAt: longAgo + 60_000 };
  const deps = {
    blobs: { get: async () => undefined },
    results: { getRun: async () => run, listSteps: async () => [] },
    invoker: { invokeAggregator: async (request: AggregateRequest) => void invoked.push(request) },
    progress: { read: async () => [] },
    stragglerGraceMs: 60_000,
  } as unknown as ApiDeps;
  const answer = await handleApiRequest({ routeKey: 'GET /runs/{id}', pathParameters: { id: 'r-3' }, isBase64Encoded: false }, deps);
  assert.equal(answer.statusCode, 200);
  assert.equal(invoked.length, 1);
  assert.equal(invoked[0]!.runId, 'r-3');
  assert.ok(invoked[0]!.finalizeAt! <= Date.now());

  // Within the deadline: no finalising.
  invoked.length = 0;
  Object.assign(run, { plannedEndAt: Date.now() + 60_000 });
  await handleApiRequest({ routeKey: 'GET /runs/{id}', pathParameters: { id: 'r-3' }, isBase64Encoded: false }, deps);
  assert.equal(invoked.length, 0);
});
