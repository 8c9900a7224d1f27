import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from '../../lib/adapters/aws/aws-clients.js';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store.js';
import { reportHtmlKey } from '../../lib/plan/slice-task.js';
import { startEmulatedStack } from '../../lib/emulate/emulated-stack.js';
import type { LiveRunView, ProblemsResponse, RunListEntry, UiInfo } from '../../lib/ui/ui-api.js';
import { serveUi } from '../../lib/ui/serve-ui.js';
import { tempDir } from '../helpers/run-helpers.js';
import { startTestTarget } from '../helpers/test-target.js';
import { apiCall as call, bearer, rawRequest } from './ui-http.js';

test('fanout ui --api <stack>: a run on AWS (emulated) from the form, followed live, its report in the UI and report.html in S3', async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const stack = await startEmulatedStack({ barrierMs: 1500, stragglerGraceMs: 1000, watchPollMs: 250 });
  const target = await startTestTarget({ delayMs: 2 });
  const out = await tempDir();
  const server = await serveUi({ port: '0', host: '127.0.0.1', out, maxCost: '0', api: stack.apiUrl }, () => {});
  try {
    const info = await call<UiInfo>(server, 'GET', '/api/info');
    assert.equal(info.body.platforms.aws.available, true);

    const form = { target: target.url, users: '2', duration: '4s', platform: 'aws' };
    // As `fanout run --platform aws --max-cost 0`: above the limit, nothing starts until the person
    // has seen the estimate and accepted it.
    const refused = await call<ProblemsResponse>(server, 'POST', '/api/runs', form);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'confirm-cost');
    assert.equal(refused.body.problems[0]?.field, '--max-cost');
    assert.equal(refused.body.problems[0]?.formField, 'confirmCostUsd');
    const estimate = refused.body.costEstimate!;
    assert.ok(estimate.totalUsd > 0 && estimate.maxCostUsd === 0, JSON.stringify(estimate));
    assert.match(estimate.summary, /total\s+≈ \$/);
    // A confirmation of less than this form's estimate (an earlier, smaller form's) does not start it.
    const tooLittle = await call<ProblemsResponse>(server, 'POST', '/api/runs', { ...form, confirmCostUsd: estimate.totalUsd / 2 });
    assert.equal(tooLittle.body.error, 'confirm-cost');
    const demo = await call<ProblemsResponse>(server, 'POST', '/api/runs', { ...form, target: 'demo', confirmCostUsd: estimate.totalUsd });
    assert.equal(demo.status, 400);
    assert.equal(demo.body.problems[0]?.formField, 'target');
    assert.equal(target.received(), 0);

    const started = await call<{ runId: string }>(server, 'POST', '/api/runs', { ...form, confirmCostUsd: estimate.totalUsd });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const { runId } = started.body;
    let view: LiveRunView;
    let sawTraffic = false;
    const giveUpAt = Date.now() + 60_000;
    do {
      await sleep(500);
      view = (await call<LiveRunView>(server, 'GET', `/api/runs/${runId}/live?since=0`)).body;
      sawTraffic ||= view.state === 'running' && view.timeline.some((point) => point.rps > 0);
      assert.ok(Date.now() < giveUpAt, `the run did not end: ${JSON.stringify(view).slice(0, 300)}`);
    } while (view.state === 'running' || view.state === 'stopping');
    assert.equal(view.state, 'finished', view.error);
    assert.equal(view.status, 'completed');
    assert.ok(sawTraffic, 'live counters arrived while the run went on');
    assert.equal(view.liveTables, false, 'AWS has no live per-name tables: the page says they come with the report');
    assert.ok(view.timeline.every((point) => point.p95 === null));

    const runs = await call<RunListEntry[]>(server, 'GET', '/api/runs');
    const listed = runs.body.find((entry) => entry.runId === runId);
    assert.equal(listed?.platform, 'aws');
    assert.equal(listed?.requests, target.received());
    const html = await rawRequest(server, { path: `/runs/${runId}/report.html`, headers: bearer(server) });
    assert.equal(html.status, 200);

    // The stack's aggregator wrote report.html beside report.json in the bucket.
    const blobs = new S3BlobStore(s3Client(stack.config.connection), stack.bucket);
    const object = await s3Client(stack.config.connection).send(new GetObjectCommand({ Bucket: stack.bucket, Key: blobs.objectKey(reportHtmlKey(runId)) }));
    assert.equal(object.ContentType, 'text/html; charset=utf-8');
    assert.ok((await object.Body!.transformToString()).includes(runId));
  } finally {
    await server.close();
    await stack.lambda.whenIdle();
    await stack.close();
    await target.close();
  }
});
