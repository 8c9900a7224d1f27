import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseScenario, resolveRunSettings } from '../../lib/config/run-settings.js';
import type { ScenarioInput } from '../../lib/config/scenario-schema.js';
import type { ProgressSnapshot } from '../../lib/progress/live-progress.js';
import { runLocal } from '../../lib/run/run-local.js';
import { runCli, runCliWith, runNodeWith } from '../helpers/run-cli.js';
import { runScenario, tempDir } from '../helpers/run-helpers.js';
import { startTestTarget } from '../helpers/test-target.js';

/**
 * What a target really receives, at the edges: the URL as given, users that persist across steps,
 * no request lost at a slice's end or to a trickling server, live figures that add up, the
 * generator's own limits named. Each compares the report with the target's own counts.
 */

const fixtures = new URL('../../../test/fixtures/', import.meta.url);

test('--target with a path and query: exactly that URL is loaded, and the report counts what the target saw', async () => {
  const target = await startTestTarget();
  try {
    const out = await tempDir();
    const cli = await runCli(['run', '--target', `${target.url}/api/items?limit=5`, '--users', '2', '--duration', '1s', '--json', '--out', out]);
    assert.equal(cli.code, 0, cli.stderr);
    const report = JSON.parse(cli.stdout) as { totals: { requests: number }; requests: Array<{ name: string; requests: number }> };
    assert.deepEqual(Object.keys(target.receivedByUrl()), ['/api/items?limit=5']);
    assert.equal(report.totals.requests, target.received());
    assert.deepEqual(report.requests.map((request) => [request.name, request.requests]), [['GET /api/items?limit=5', target.received()]]);
  } finally {
    await target.close();
  }
});

test("a scenario's target carries a base path that request paths join; user:pass@ is sent as Basic auth and kept out of the report", async () => {
  const target = await startTestTarget();
  try {
    const base = new URL(target.url);
    const { report, reportPath } = await runScenario({
      target: `http://fan:s%40cret@${base.host}/api/`,
      requests: [
        { name: 'users', path: '/users' },
        { name: 'orders', path: '/orders?open=1' },
      ],
      load: { users: 2, duration: '1s' },
    });
    const byUrl = target.receivedByUrl();
    assert.deepEqual(Object.keys(byUrl).sort(), ['/api/orders?open=1', '/api/users']);
    const byName = Object.fromEntries(report.requests.map((request) => [request.name, request.requests]));
    assert.equal(byName.users, byUrl['/api/users']);
    assert.equal(byName.orders, byUrl['/api/orders?open=1']);
    assert.deepEqual(target.authorizations(), { [`Basic ${Buffer.from('fan:s@cret').toString('base64')}`]: target.received() });
    assert.equal(report.run.target, `http://${base.host}/api/`);
    assert.ok(!(await readFile(reportPath, 'utf8')).includes('cret'), 'the password is not in report.json');
  } finally {
    await target.close();
  }
});

test('a target query with scenario requests is refused, naming the field, before anything is sent', () => {
  assert.throws(
    () => resolveRunSettings(parseScenario({ target: 'http://127.0.0.1:1/api?x=1', requests: [{ path: '/a' }], load: { users: 1 } }, 'test')),
    (error: Error & { problems?: Array<{ field: string }> }) => error.problems?.[0]?.field === 'target (--target)',
  );
});

test('users persist across steps 10 → 30 → 10 on one worker: at most 30 connections and 30 requests in flight', async () => {
  const target = await startTestTarget({ delayMs: 20 });
  try {
    const { report } = await runScenario({ target: target.url, load: { steps: [10, 30, 10], stepDuration: '2s', workers: 1, spawnRate: 100 } });
    assert.deepEqual(report.steps.map((step) => step.users), [10, 30, 10]);
    assert.equal(report.totals.requests, target.received());
    assert.ok(target.connections() <= 32, `the target saw ${target.connections()} connections for 30 users`);
    assert.ok(target.maxInFlight() <= 31, `the target saw ${target.maxInFlight()} requests in flight for 30 users`);
    // Each step still has its own result: per-step counts add up to the whole.
    assert.equal(report.steps.reduce((sum, step) => sum + step.requests, 0), report.totals.requests);
    assert.ok(report.steps.every((step) => step.completeness.received === step.completeness.expected && step.requests > 0));
  } finally {
    await target.close();
  }
});

test('at a slice hand-off no more requests are in flight than users; what was in flight is cut and counted', async () => {
  const target = await startTestTarget({ delayMs: 30 });
  try {
    const { report } = await runScenario({ target: target.url, load: { users: 20, duration: '3s', sliceDuration: '1s', workers: 1, spawnRate: 1000 } });
    assert.equal(report.completeness.received, 3);
    assert.ok(target.maxInFlight() <= 20, `the target saw ${target.maxInFlight()} requests in flight for 20 users`);
    assert.ok(target.connections() <= 3 * 20 + 2, `${target.connections()} connections over 3 slices of 20 users`);
    assert.equal(report.totals.requests, target.received());
    assert.ok((report.totals.errorsByType.cut ?? 0) > 0, 'requests in flight at the hand-offs are counted as cut');
    assert.equal(report.totals.generatorErrors, report.totals.errorsByType.cut);
    assert.equal(report.totals.errorRate, 0, "cut requests are not the target's errors");
  } finally {
    await target.close();
  }
});

test('responses slower than a slice: cut at the hand-off, waited for at the end; report total == target count', async () => {
  const target = await startTestTarget({ delayMs: 3000 });
  try {
    const { report } = await runScenario({ target: target.url, load: { users: 5, duration: '4s', sliceDuration: '2s', workers: 1, spawnRate: 1000 } });
    assert.equal(target.received(), 10);
    assert.equal(report.totals.requests, 10);
    assert.equal(report.totals.errorsByType.cut, 5, 'the first slice’s requests were cut at its hand-off');
    assert.equal(report.totals.statusCodes['200'], 5, 'the last slice’s requests were waited for');
    assert.ok(report.totals.errorSamples.some((sample) => sample.type === 'cut' && /hand-off after 1–2 s in flight/.test(sample.message)), JSON.stringify(report.totals.errorSamples));
  } finally {
    await target.close();
  }
});

test('--timeout is a deadline for the whole request: a server trickling a byte at a time still times out', async () => {
  const target = await startTestTarget({ trickle: { everyMs: 100, bytes: 50 } });
  try {
    const started = Date.now();
    const { report } = await runScenario({ target: target.url, load: { users: 2, duration: '2s', timeout: '700ms' } });
    assert.ok(target.received() >= 4, `target received ${target.received()}`);
    assert.equal(report.totals.requests, target.received());
    assert.equal(report.totals.errorsByType.timeout, target.received());
    assert.ok(Date.now() - started < 8000);
  } finally {
    await target.close();
  }
});

test('live figures add up over every worker: well inside a step, the users and req/s of that step', async () => {
  const target = await startTestTarget({ delayMs: 150 });
  try {
    const snapshots: ProgressSnapshot[] = [];
    const settings = resolveRunSettings(parseScenario({ target: target.url, load: { steps: [4, 8], stepDuration: '5s', workers: 2, spawnRate: 100 } }, 'test'));
    // Slow responses: a worker closes an interval only at its next response or its 250 ms tick, so
    // workers report an interval at different moments. The live line is read at every phase of the timeline's intervals (the CLI's once a second can
    // fall anywhere in one), including just after an interval ends, before every worker has reported it.
    let sampler: NodeJS.Timeout | undefined;
    const { report } = await runLocal({
      settings,
      outDir: await tempDir(),
      onProgress: (progress) => {
        sampler ??= setInterval(() => snapshots.push(progress.snapshot()), 37);
      },
    }).finally(() => clearInterval(sampler));
    // What a user sees at a moment well inside a step (its live line is a second or so behind the clock).
    const inside = snapshots.filter((snapshot) => {
      const into = snapshot.elapsedMs % 5000;
      return into >= 2500 && into <= 4600 && snapshot.elapsedMs < 10_000;
    });
    assert.ok(inside.length >= 60, `${inside.length} live updates inside a step`);
    for (const snapshot of inside) {
      const step = report.steps[Math.floor(snapshot.elapsedMs / 5000)]!;
      assert.equal(snapshot.step, step.index, `the live line's step at ${snapshot.elapsedMs} ms`);
      assert.equal(snapshot.users, step.users, `live users at ${snapshot.elapsedMs} ms`);
      assert.ok(Math.abs(snapshot.rps - step.rps) <= 0.15 * step.rps, `live ${snapshot.rps} req/s vs the step's ${step.rps} at ${snapshot.elapsedMs} ms`);
    }
  } finally {
    await target.close();
  }
});

test("the ulimit trap: a run needing more open files than the process may have exits 2 before any request, naming the limit and the ways out", async () => {
  const target = await startTestTarget();
  try {
    // The shell lowers both the soft and the hard limit, so Node cannot raise it again.
    const result = await runCliWith('ulimit -n 256', ['run', '--target', target.url, '--users', '400', '--duration', '2s']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /load\.users \(--users\)/);
    assert.match(result.stderr, /may open only 256/);
    assert.match(result.stderr, /ulimit -n/);
    assert.match(result.stderr, /--platform aws/);
    assert.equal(target.received(), 0);
  } finally {
    await target.close();
  }
});

test('certificate failures are errors of type tls, not other', async () => {
  const [cert, key] = await Promise.all([readFile(new URL('localhost-cert.pem', fixtures)), readFile(new URL('localhost-key.pem', fixtures))]);
  const server = createHttpsServer({ cert, key }, (_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const scenario: ScenarioInput = { target: `https://localhost:${(server.address() as AddressInfo).port}`, load: { users: 1, duration: '1s', workers: 1 } };
    const { report } = await runScenario(scenario);
    assert.ok(report.totals.requests > 0);
    assert.equal(report.totals.errorsByType.tls, report.totals.requests, JSON.stringify(report.totals.errorsByType));
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("the generator's own file limit (EMFILE) is an error of its own type, not the target's", async () => {
  const target = await startTestTarget({ delayMs: 50 });
  try {
    const child = new URL('../helpers/one-slice-child.js', import.meta.url).pathname;
    const scenario = JSON.stringify({ target: target.url, load: { users: 400, duration: '1s', workers: 1, spawnRate: 100_000 } });
    // No pre-flight here (as on a Lambda worker): 256 descriptors cannot hold 400 connections.
    const result = await runNodeWith('ulimit -n 256', [child, scenario]);
    assert.equal(result.code, 0, result.stderr);
    const [step] = JSON.parse(result.stdout) as Array<{ requests: number; errors: number; errorsByType: Record<string, number> }>;
    assert.ok((step!.errorsByType.generator_fds ?? 0) > 0, JSON.stringify(step));
    assert.equal(step!.errorsByType.other, undefined);
    assert.equal(step!.requests - step!.errorsByType.generator_fds!, target.received(), 'requests that failed on EMFILE never reached the target');
  } finally {
    await target.close();
  }
});

test('a warm-up is measured apart and kept out of the steps; with it, every request is still accounted for', async () => {
  const target = await startTestTarget({ delayMs: 2 });
  try {
    const { report } = await runScenario({ target: target.url, load: { rate: 200, duration: '2s', warmUp: '500ms', workers: 2 } });
    const warmUp = report.warmUp!;
    assert.ok(warmUp, 'the report says there was a warm-up');
    assert.equal(warmUp.perSliceS, 0.5);
    assert.equal(warmUp.slices, 2, 'one per worker slice');
    // The schedule, not what a busy machine managed to send: 200/s is 100 sends due in the warm-ups, 300 after.
    assert.ok(warmUp.requests > 0 && warmUp.requests <= 102, `warm-up requests ${warmUp.requests}`);
    const scheduled = report.totals.open!.scheduled;
    assert.ok(scheduled >= 280 && scheduled <= 302, `sends due after the warm-ups ${scheduled}`);
    assert.equal(report.totals.requests + warmUp.requests, target.received());
    assert.equal(report.steps[0]!.requests, report.totals.requests);
    assert.equal(report.timeline.reduce((sum, point) => sum + point.rps * report.run.plan.timelineIntervalS, 0), report.totals.requests);
  } finally {
    await target.close();
  }
});

test('a warm-up longer than half a step is refused, naming the field', () => {
  assert.throws(
    () => resolveRunSettings(parseScenario({ target: 'http://127.0.0.1:1', load: { users: 1, duration: '2s', warmUp: '1500ms' } }, 'test')),
    (error: Error & { problems?: Array<{ field: string }> }) => error.problems?.[0]?.field === 'load.warmUp (--warm-up)',
  );
});

test("a step that ends inside a slice is stored without holding up the next step's schedule: no sends late", async (t) => {
  // The worker encodes each step's histograms (one per timeline second) as the step ends, while its
  // load goes on into the next step; encoded on the event loop, that held every send for tens of ms
  // (57 and 92 of 24,000 sends late in two runs before the fix, 0–5 after).
  const target = await startTestTarget();
  const secondStepLate = async () => {
    const received = target.received();
    const { report } = await runScenario({
      target: target.url,
      load: { model: 'open', steps: [1000, 2000], stepDuration: '12s', sliceDuration: '60s', warmUp: '1s', workers: 1 },
    });
    assert.equal(report.totals.requests + report.warmUp!.requests, target.received() - received);
    const [first, second] = report.steps;
    assert.ok(first && second && second.completeness.received === 1);
    return {
      // Sent more than 10 ms after their intended time, in the step that began as the first was stored:
      // a few on a busy machine (this process also runs the target), not a stall's worth.
      ok: second.open!.late <= second.open!.scheduled * 0.001,
      late: [first, second].map((step) => `step ${step.index}: ${step.open!.late} of ${step.open!.scheduled} sends late`).join(', '),
    };
  };
  try {
    let outcome = await secondStepLate();
    if (!outcome.ok) {
      // A shared VM stalls a whole process now and then (spells of 10+ ms measured on an idle core), which
      // can make one run miss; the defect held the loop at every step boundary, so it misses every run.
      t.diagnostic(`first run: ${outcome.late}; running again`);
      outcome = await secondStepLate();
    }
    assert.ok(outcome.ok, outcome.late);
  } finally {
    await target.close();
  }
});
