import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestTarget } from '../helpers/test-target.js';
import { runScenario } from '../helpers/run-helpers.js';
import { finalizeRun } from '../../lib/aggregate/aggregate-run.js';
import { LocalBlobStore } from '../../lib/adapters/local/local-blob-store.js';
import { LocalResultStore } from '../../lib/adapters/local/local-result-store.js';
import { decodeSliceResult } from '../../lib/engine/slice-result.js';
import type { Report } from '../../lib/report/report-types.js';

test('the report counts exactly what the target received, per request name and status', async () => {
  const target = await startTestTarget({ delayMs: 2, statusByPath: { '/missing': 404, '/broken': 500 } });
  try {
    const { report, reportPath } = await runScenario({
      target: target.url,
      requests: [
        { name: 'home', path: '/', weight: 6 },
        { name: 'missing', path: '/missing', weight: 2, expect: { status: [404] } },
        { name: 'broken', path: '/broken', weight: 1 },
      ],
      load: { users: 6, duration: '3s' },
    });
    const received = target.received();
    const byPath = target.receivedByPath();
    assert.ok(received > 500, `expected real load, target saw ${received}`);
    // Requests still in flight at the end are drained and recorded, so the counts match exactly.
    assert.equal(report.totals.requests, received);
    const byName = Object.fromEntries(report.requests.map((request) => [request.name, request]));
    assert.equal(byName.home!.requests, byPath['/']);
    assert.equal(byName.missing!.requests, byPath['/missing']);
    assert.equal(byName.broken!.requests, byPath['/broken']);
    // A 404 that the scenario expects is no error; an unexpected 500 is.
    assert.equal(byName.missing!.errors, 0);
    assert.equal(byName.broken!.errors, byPath['/broken']);
    assert.equal(report.totals.errors, byPath['/broken']);
    assert.equal(report.totals.errorsByType.http_status, byPath['/broken']);
    assert.deepEqual(report.totals.statusCodes, { '200': byPath['/'], '404': byPath['/missing'], '500': byPath['/broken'] });
    assert.equal(report.status, 'completed');
    assert.equal(report.run.platform, 'local');
    const onDisk = JSON.parse(await readFile(reportPath, 'utf8')) as Report;
    assert.equal(onDisk.schemaVersion, 1);
    assert.equal(onDisk.totals.requests, received);
    assert.ok(onDisk.timeline.length >= 2, 'a timeline point per second');
    assert.ok(onDisk.timeline.every((point) => point.users <= 6));
  } finally {
    await target.close();
  }
});

test('a 20 ms fixed-delay target reads as p50 20 ms (±1.5 ms)', async () => {
  const target = await startTestTarget({ delayMs: 20 });
  try {
    const { report } = await runScenario({ target: target.url, load: { users: 4, duration: '3s' } });
    assert.ok(report.totals.requests > 100);
    assert.ok(Math.abs(report.totals.latency.p50 - 20) <= 1.5, `p50 was ${report.totals.latency.p50} ms`);
    assert.ok(report.totals.latency.min >= 19.5, `min was ${report.totals.latency.min} ms`);
  } finally {
    await target.close();
  }
});

test('open model against a stalling target: corrected latency shows the stall, service time is beside it', async () => {
  // Every second the target holds all responses for 300 ms. At 200 req/s with at most 10 requests
  // in flight, ~60 sends fall due during each stall; most must wait for a connection.
  const target = await startTestTarget({ stall: { everyMs: 1000, forMs: 300 } });
  try {
    const { report } = await runScenario({ target: target.url, load: { rate: 200, duration: '4s', maxInFlight: 10 } });
    const open = report.totals.open!;
    assert.ok(open, 'open-model counts are reported');
    assert.equal(report.totals.requests, target.received());
    // Achieved vs planned: the schedule called for ~200/s, and every due send is accounted for.
    assert.ok(open.scheduled >= 760 && open.scheduled <= 800, `scheduled ${open.scheduled}`);
    assert.equal(report.totals.requests + open.dropped, open.scheduled);
    assert.ok(open.late > 100, `late sends ${open.late}`);
    assert.ok(report.totals.latency.p99 >= 200, `corrected p99 ${report.totals.latency.p99} ms`);
    assert.ok(report.totals.latency.p90 >= 100, `corrected p90 ${report.totals.latency.p90} ms`);
    assert.ok(open.serviceLatency.p90 < 50, `service p90 ${open.serviceLatency.p90} ms`);
    assert.ok(open.serviceLatency.p99 > 0 && open.serviceLatency.p99 <= report.totals.latency.p99);
    assert.equal(report.steps[0]!.rate, 200);
  } finally {
    await target.close();
  }
});

test('2 workers × 2 slices × 2 steps: 4/4 per step; with a slice lost, partial 3/4 and the rest intact', async () => {
  const target = await startTestTarget({ delayMs: 5 });
  try {
    const { report, outDir } = await runScenario({
      target: target.url,
      load: { steps: [2, 4], stepDuration: '2s', sliceDuration: '1s', workers: 2, spawnRate: 100 },
    });
    assert.equal(report.status, 'completed');
    assert.deepEqual(report.steps.map((step) => step.completeness), [{ expected: 4, received: 4 }, { expected: 4, received: 4 }]);
    assert.equal(report.totals.requests, target.received());

    const runId = report.run.id;
    // Slices are windows of the run: step 2 is covered by slices 3 and 4 (indices 2 and 3).
    const lost = decodeSliceResult(await readFile(join(outDir, runId, 'steps', '1', 'slices', '3', '0.cbor')));
    await rm(join(outDir, runId, 'steps', '1', 'slices', '3', '0.cbor'));
    const again = await finalizeRun({ blobs: new LocalBlobStore(outDir), results: new LocalResultStore(outDir) }, runId);
    assert.equal(again.status, 'partial');
    assert.deepEqual(again.steps[1]!.completeness, { expected: 4, received: 3 });
    assert.equal(again.steps[1]!.status, 'partial');
    assert.deepEqual(again.steps[0], report.steps[0], 'the complete step is unchanged');
    assert.equal(again.steps[1]!.requests, report.steps[1]!.requests - lost.requests);
    assert.equal(again.totals.requests, report.totals.requests - lost.requests);
    assert.deepEqual(again.completeness, { expected: 8, received: 7, missing: [{ step: 1, slice: 3, lane: 0 }] });
    const stored = JSON.parse(await readFile(join(outDir, runId, 'report.json'), 'utf8')) as Report;
    assert.equal(stored.status, 'partial');

    // A damaged slice result is left out and named; the others still count.
    await writeFile(join(outDir, runId, 'steps', '1', 'slices', '2', '1.cbor'), 'not a slice result');
    const damaged = await finalizeRun({ blobs: new LocalBlobStore(outDir), results: new LocalResultStore(outDir) }, runId);
    assert.deepEqual(damaged.steps[1]!.completeness, { expected: 4, received: 2 });
    assert.deepEqual(damaged.steps[0], report.steps[0]);
    assert.ok(damaged.warnings.some((warning) => warning.includes('steps/1/slices/2/1.cbor')), damaged.warnings.join('; '));
  } finally {
    await target.close();
  }
});

test('stepping users through a capacity-limited target: the knee is the step that exceeds its capacity', async () => {
  // 4 slots × 100 ms: users beyond 4 queue, so p95 goes from ~100 ms to ~150 ms at 6 users.
  // (Wide margins: these machines are shared and timers run late under load.)
  const target = await startTestTarget({ slots: 4, delayMs: 100 });
  try {
    const { report } = await runScenario({
      target: target.url,
      load: { steps: '2:8:2', stepDuration: '2s', spawnRate: 100 },
      slo: 'p95<125ms',
    });
    assert.deepEqual(report.steps.map((step) => step.users), [2, 4, 6, 8]);
    assert.deepEqual(report.steps.map((step) => step.sloPassed), [true, true, false, false], JSON.stringify(report.steps.map((step) => step.latency.p95)));
    assert.equal(report.knee?.lastGood?.users, 4);
    assert.equal(report.knee?.firstBad?.users, 6);
    assert.equal(report.slo?.passed, false);
    // Throughput flattens at the target's capacity (4 / 100 ms = 40 req/s) once the knee is passed.
    assert.ok(report.steps[3]!.rps < 43, `rps at 8 users ${report.steps[3]!.rps}`);
  } finally {
    await target.close();
  }
});

test('a stop ends the run early with status aborted and keeps what was measured', async () => {
  const target = await startTestTarget({ delayMs: 2 });
  try {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 2500);
    const started = Date.now();
    const { report } = await runScenario({ target: target.url, load: { steps: [4, 8], stepDuration: '15s' }, slo: 'p95<1s' }, { signal: stop.signal });
    assert.ok(Date.now() - started < 10_000, 'the run ended long before its 30 s');
    assert.equal(report.status, 'aborted');
    assert.equal(report.steps[1]!.completeness.received, 0, 'the second step never started');
    assert.equal(report.slo?.passed, false, 'a run stopped before its last step has not shown that the SLO holds');
    assert.equal(report.knee?.firstBad, null);
    assert.ok(report.totals.requests > 0);
    assert.equal(report.totals.requests, target.received());
  } finally {
    await target.close();
  }
});
