import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { EMULATOR_CREDENTIALS } from '../../lib/emulate/emulator-credentials.js';
import type { Report } from '../../lib/report/report-types.js';
import { FANOUT_BIN, runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/run-helpers.js';
import { apiClientOf, waitForRunEnd } from '../helpers/aws-stack-helpers.js';
import { faultStack, invocationsOf, runItem, storedReport, taskOf, waitForFinalInTable } from '../helpers/fault-helpers.js';
import { startTestTarget } from '../helpers/test-target.js';
import { parseFaults } from '../../lib/emulate/fault-spec.js';
import { runDeadline } from '../../lib/lambda/coordinate-run.js';

/**
 * The faults of `npm run emulate -- --fault` (docs/aws.md, "Faults"), each on the emulated stack,
 * each with the outcome a user would notice: the run's status, its completeness, the report's
 * count against the target's own, and that the run ends by its deadline with nobody polling.
 */

/** Two workers from the start; requests time out after 1 s, so a lane's last slice drains within 4 s. */
const twoLanes = (url: string, duration: string, sliceDuration: string) => ({
  target: url,
  load: { users: 4, workers: 2, duration, sliceDuration, timeout: '1s' },
});

test('transient faults on S3, DynamoDB and Lambda at 10 % (and lost DynamoDB answers): the run completes, every slice in, nothing counted twice', async () => {
  const stack = await faultStack({
    faults: parseFaults(['s3-error:0.1', 'dynamodb-throttle:0.1', 'lambda-throttle:0.1', 'dynamodb-lost-response:0.05']),
    faultSeed: 7,
  });
  const target = await startTestTarget({ delayMs: 2 });
  try {
    const api = apiClientOf(stack);
    const started = await api.startRun({ target: target.url, load: { steps: [2, 4], stepDuration: '2s', sliceDuration: '1s', workers: 2, timeout: '2s' } });
    const final = await waitForRunEnd(api, started.runId, 60_000);
    await stack.lambda.whenIdle();
    assert.equal(final.run.status, 'completed');
    const report = await storedReport(stack, started.runId);
    assert.equal(report.status, 'completed');
    assert.deepEqual(report.completeness, { expected: 6, received: 6 });
    assert.equal(report.totals.requests, target.received(), 'the report counts what the target received, each request once');
    assert.deepEqual(
      report.steps.map((step) => step.completeness),
      [
        { expected: 2, received: 2 },
        { expected: 4, received: 4 },
      ],
    );
    assert.equal(final.run.partsDone, 6, 'the supervisor counted each step result once');
    // Each slice ran once, although claims were retried after lost answers.
    const ran = invocationsOf(stack, 'worker', started.runId).filter((invocation) => (invocation.result as { ran?: boolean } | undefined)?.ran);
    assert.equal(ran.length, 6);
    // The faults were there.
    const counts = stack.faultCounts();
    assert.ok(counts.s3!.refused > 0, `S3 refused ${counts.s3!.refused} calls`);
    assert.ok(counts.dynamodb!.refused > 0 && counts.dynamodb!.answersLost > 0, `DynamoDB: ${JSON.stringify(counts.dynamodb)}`);
    assert.ok(counts.lambdaThrottled > 0, `Lambda throttled ${counts.lambdaThrottled} calls`);
  } finally {
    await stack.lambda.whenIdle();
    await stack.close();
    await target.close();
  }
});

test('a worker killed mid-slice: its lane goes on, the report is partial and names the lost slice, the failure is counted', async () => {
  // Lane 0's first slice dies 0.5 s in, before its chain timer (2 s ahead of the 3 s boundary) invokes its next slice.
  const stack = await faultStack({ faults: parseFaults(['worker-crash:0/0@0.5']), chainLeadMs: 2000 });
  const target = await startTestTarget({ delayMs: 2 });
  try {
    const api = apiClientOf(stack);
    const started = await api.startRun(twoLanes(target.url, '6s', '3s'));
    const { run } = await waitForFinalInTable(stack, started.runId, 40_000);
    await stack.lambda.whenIdle();
    assert.equal(run.status, 'partial');
    const workers = invocationsOf(stack, 'worker', started.runId);
    const crashed = workers.filter((invocation) => invocation.killed);
    assert.deepEqual(crashed.map((invocation) => [taskOf(invocation).lane, taskOf(invocation).slice]), [[0, 0]]);
    assert.ok(
      workers.some((invocation) => taskOf(invocation).lane === 0 && taskOf(invocation).slice === 1 && (invocation.result as { ran?: boolean } | undefined)?.ran),
      'lane 0 went on with its next slice',
    );
    const report = await storedReport(stack, started.runId);
    assert.equal(report.status, 'partial');
    assert.equal(report.completeness.expected, 4);
    assert.equal(report.completeness.received, 3);
    assert.deepEqual(report.completeness.missing, [{ step: 0, slice: 0, lane: 0 }]);
    // The step keeps the other worker's data, and the killed worker's requests are the only ones not in it.
    assert.equal(report.steps[0]!.achieved.workersStarted, 2);
    assert.ok(report.totals.requests > 0 && report.totals.requests < target.received(), `${report.totals.requests} of ${target.received()}`);
    assert.deepEqual(
      report.failedInvocations?.map((failure) => [failure.function, failure.what, failure.condition]),
      [['worker', 'lane 0 slice 0', 'RetriesExhausted']],
    );
    assert.match(report.warnings.join('\n'), /1 invocation\(s\) failed: worker lane 0 slice 0 \(Runtime\.ExitError: .*signal: killed\)/);
  } finally {
    await stack.lambda.whenIdle();
    await stack.close();
    await target.close();
  }
});

test('a worker that starts late: its slice reports what it ran (achieved against planned), and the step is not counted as full', async () => {
  const stack = await faultStack({ faults: parseFaults(['worker-late:0/1@1.5']) });
  const target = await startTestTarget({ delayMs: 2 });
  try {
    const api = apiClientOf(stack);
    const started = await api.startRun(twoLanes(target.url, '4s', '4s'));
    const final = await waitForRunEnd(api, started.runId, 40_000);
    await stack.lambda.whenIdle();
    const report = await storedReport(stack, started.runId);
    assert.equal(final.run.status, 'partial');
    assert.equal(report.status, 'partial');
    assert.deepEqual(report.completeness, { expected: 2, received: 2, late: 1 });
    const [step] = report.steps;
    assert.equal(step!.status, 'partial');
    assert.equal(step!.planned.laneSeconds, 8);
    assert.ok(step!.achieved.laneSeconds! > 5.5 && step!.achieved.laneSeconds! < 7, `ran ${step!.achieved.laneSeconds} worker-seconds of 8`);
    assert.ok(step!.achieved.startLagMs.max >= 1400, `lag ${step!.achieved.startLagMs.max} ms`);
    assert.match(report.warnings.join('\n'), /step 1: 1 slice\(s\) started late .*of 8\.0 planned worker-seconds/);
    assert.equal(report.totals.requests, target.received(), 'nothing is lost: the late worker ran, for less time');
  } finally {
    await stack.lambda.whenIdle();
    await stack.close();
    await target.close();
  }
});

test('the coordinator dies mid-fan-out: the run still ends by its deadline with nobody polling, and no load runs past the plan', async () => {
  const stack = await faultStack({ faults: parseFaults(['coordinator-crash:1']) });
  const target = await startTestTarget({ delayMs: 2 });
  const runId = `coordinator-crash-${Date.now()}`;
  try {
    const api = apiClientOf(stack);
    // The API's answer is the coordinator's failure (or, once the client retried, the run's existence).
    await assert.rejects(() => api.startRun({ target: target.url, load: { users: 6, workers: 3, duration: '3s', timeout: '2s' } }, runId));
    const { run, at } = await waitForFinalInTable(stack, runId, 40_000);
    await stack.lambda.whenIdle();
    assert.ok(at <= runDeadline(run, stack.config.stragglerGraceMs) + 2000, 'ended by its deadline');
    assert.notEqual(run.status, 'running');
    const workers = invocationsOf(stack, 'worker', runId);
    // One lane was invoked by the coordinator; the supervisor took up the two it never reached.
    assert.deepEqual(new Set(workers.filter((invocation) => (invocation.result as { ran?: boolean } | undefined)?.ran).map((invocation) => taskOf(invocation).lane)), new Set([0, 1, 2]));
    const report = await storedReport(stack, runId);
    assert.equal(report.totals.requests, target.received());
    assert.ok(target.lastReceivedAt()! <= run.plannedEndAt + 500, `a request arrived ${target.lastReceivedAt()! - run.plannedEndAt} ms after the planned end`);
  } finally {
    await stack.lambda.whenIdle();
    await stack.close();
    await target.close();
  }
});

test('the aggregator dies twice as it starts: Lambda retries it under the same request id, and the run ends as without the fault', async () => {
  const stack = await faultStack({ faults: parseFaults(['aggregator-crash:2']) });
  const target = await startTestTarget({ delayMs: 2 });
  try {
    const api = apiClientOf(stack);
    const started = await api.startRun(twoLanes(target.url, '3s', '3s'));
    const { run } = await waitForFinalInTable(stack, started.runId, 40_000);
    await stack.lambda.whenIdle();
    assert.equal(run.status, 'completed');
    const watch = invocationsOf(stack, 'aggregator', started.runId);
    assert.deepEqual(
      watch.map((invocation) => [invocation.attempt, invocation.killed === true]),
      [
        [0, true],
        [1, true],
        [2, false],
      ],
    );
    assert.equal(new Set(watch.map((invocation) => invocation.id)).size, 1, 'one event, retried');
    assert.deepEqual(watch[2]!.result, { kind: 'finalized', runStatus: 'completed' });
    const report = await storedReport(stack, started.runId);
    assert.equal(report.status, 'completed');
    assert.deepEqual(report.completeness, { expected: 2, received: 2 });
    assert.equal(report.totals.requests, target.received());
    assert.equal(report.failedInvocations, undefined, 'a retry that succeeded is no failure');
  } finally {
    await stack.lambda.whenIdle();
    await stack.close();
    await target.close();
  }
});

/** Waits, reading the table only, until status reads would finalise the run: past its deadline and one more grace. */
async function untilBackstop(stack: Awaited<ReturnType<typeof faultStack>>, runId: string): Promise<void> {
  const grace = stack.config.stragglerGraceMs;
  const run = await runItem(stack, runId);
  const backstopFrom = runDeadline(run!, grace) + grace;
  while (Date.now() <= backstopFrom + 100) await sleep(100);
  assert.equal((await runItem(stack, runId))?.status, 'running', 'nothing finalised the run');
}

test('the watch dies for good (three attempts): the failure is recorded and in the report; a status read past the deadline finalises the run', async () => {
  const stack = await faultStack({ faults: parseFaults(['aggregator-crash:3']) });
  const target = await startTestTarget({ delayMs: 2 });
  try {
    const api = apiClientOf(stack);
    const started = await api.startRun(twoLanes(target.url, '2s', '2s'));
    await untilBackstop(stack, started.runId);
    await api.getRun(started.runId);
    const { run } = await waitForFinalInTable(stack, started.runId, 20_000);
    await stack.lambda.whenIdle();
    assert.equal(run.status, 'completed');
    const report = await storedReport(stack, started.runId);
    assert.equal(report.totals.requests, target.received());
    assert.deepEqual(
      report.failedInvocations?.map((failure) => [failure.function, failure.what, failure.condition, failure.attempts]),
      [['aggregator', 'watch over the run', 'RetriesExhausted', 3]],
    );
    assert.match(report.warnings.join('\n'), /1 invocation\(s\) failed: aggregator watch over the run \(Runtime\.ExitError: /);
  } finally {
    await stack.lambda.whenIdle();
    await stack.close();
    await target.close();
  }
});

test('the watch is lost: however many status reads arrive after the deadline, the run is finalised once', async () => {
  const stack = await faultStack({});
  const target = await startTestTarget({ delayMs: 2 });
  // The supervisor's event (the coordinator's) is lost: nobody finalises the run.
  let watchLost = false;
  stack.lambda.faults = {
    dropEvent: (name, payload) => {
      if (watchLost || name !== stack.functions.aggregator || (payload as { finalizeAt?: number }).finalizeAt === undefined) return false;
      watchLost = true;
      return true;
    },
  };
  try {
    const api = apiClientOf(stack);
    const started = await api.startRun(twoLanes(target.url, '2s', '2s'));
    await untilBackstop(stack, started.runId);
    await Promise.all(Array.from({ length: 8 }, () => api.getRun(started.runId)));
    const { run } = await waitForFinalInTable(stack, started.runId, 20_000);
    await Promise.all(Array.from({ length: 4 }, () => api.getRun(started.runId)));
    await stack.lambda.whenIdle();
    assert.equal(run.status, 'completed');
    const aggregators = invocationsOf(stack, 'aggregator', started.runId).filter((invocation) => !invocation.dropped);
    assert.ok(aggregators.length >= 4, `${aggregators.length} status reads asked for the run to be finalised`);
    const finalised = aggregators.filter((invocation) => (invocation.result as { kind?: string } | undefined)?.kind === 'finalized');
    assert.equal(finalised.length, 1, 'finalised once');
    assert.equal((await storedReport(stack, started.runId)).totals.requests, target.received());
  } finally {
    stack.lambda.faults = {};
    await stack.lambda.whenIdle();
    await stack.close();
    await target.close();
  }
});

const EMULATE = fileURLToPath(new URL('../../scripts/emulate.js', import.meta.url));

test('npm run emulate -- --fault: a bad fault exits 2 naming the flag; a worker is named SLICE/LANE, and the step form is refused with why', () => {
  const run = (...faults: string[]) =>
    spawnSync(process.execPath, [EMULATE, '--api-port', '0', '--lambda-port', '0', ...faults.flatMap((fault) => ['--fault', fault])], { encoding: 'utf8', timeout: 30_000 });
  const stepForm = run('worker-crash:0/1/0@1');
  assert.equal(stepForm.status, 2);
  assert.match(stepForm.stderr, /--fault: worker-crash:0\/1\/0@1: a worker invocation is named SLICE\/LANE@SECONDS, not STEP\/SLICE\/WORKER: slices span steps/);
  const several = run('s3-error:2', 'disk-full:1', 'coordinator-crash:-1', 'worker-late:1/0');
  assert.equal(several.status, 2);
  assert.match(several.stderr, /--fault: s3-error:2: expected a probability from 0 to 1/);
  assert.match(several.stderr, /--fault: unknown fault 'disk-full'; one of worker-crash, worker-late, /);
  assert.match(several.stderr, /--fault: coordinator-crash:-1: expected 0 or more/);
  assert.match(several.stderr, /--fault: worker-late: expected SLICE\/LANE@SECONDS/);
});

interface EmulateProcess {
  apiUrl: string;
  /** The run's item from the emulated table itself (not through the API). */
  runStatus(runId: string): Promise<string | undefined>;
  close(): Promise<void>;
}

async function startEmulate(args: string[]): Promise<EmulateProcess> {
  const child: ChildProcess = spawn(process.execPath, [EMULATE, '--api-port', '0', '--lambda-port', '0', '--quiet', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const printed = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`npm run emulate printed no endpoints within 30 s:\n${text}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (/DynamoDB\s+\S+\s+table \S+/.test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
    child.once('exit', (code) => reject(new Error(`emulate exited (${code}):\n${text}`)));
  });
  const dynamo = /DynamoDB\s+(\S+)\s+table (\S+)/.exec(printed)!;
  const table = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: dynamo[1]!, credentials: EMULATOR_CREDENTIALS }));
  return {
    apiUrl: /HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(printed)![1]!,
    runStatus: async (runId) => {
      const { Item } = await table.send(new GetCommand({ TableName: dynamo[2]!, Key: { pk: `run#${runId}`, sk: 'run' }, ConsistentRead: true }));
      return Item?.status as string | undefined;
    },
    close: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGINT');
      await once(child, 'exit');
    },
  };
}

test('fanout run --platform aws through a flaky API (--fault api-error:0.3): it retries and ends with the report; killed mid-run, fanout status/report fetch the result later', async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const emulate = await startEmulate(['--fault', 'api-error:0.3', '--fault-seed', '3']);
  const target = await startTestTarget({ delayMs: 2 });
  const outDir = await tempDir('fanout-faults-cli-');
  try {
    const flags = ['--platform', 'aws', '--api', emulate.apiUrl, '--target', target.url, '--users', '2', '--workers', '2', '--timeout', '1s', '--yes', '--out', outDir];
    const result = await runCli(['run', ...flags, '--duration', '1s'], { timeoutMs: 60_000 });
    assert.equal(result.code, 0, result.stderr);
    const runId = /run (\S+) started on/.exec(result.stderr)![1]!;
    const report = JSON.parse(await readFile(join(outDir, runId, 'report.json'), 'utf8')) as Report;
    assert.equal(report.status, 'completed');
    assert.equal(report.totals.requests, target.received());

    // The laptop goes away: the CLI dies as soon as the run has started; the stack finishes on its own.
    const before = target.received();
    const cli = spawn(process.execPath, [FANOUT_BIN, 'run', ...flags, '--duration', '2s'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const secondId = await new Promise<string>((resolve, reject) => {
      let text = '';
      cli.stderr!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const match = /run (\S+) started on/.exec(text);
        if (match) resolve(match[1]!);
      });
      cli.once('exit', (code) => reject(new Error(`fanout run exited (${code}) before starting:\n${text}`)));
    });
    cli.kill('SIGKILL');
    await once(cli, 'exit');
    const giveUpAt = Date.now() + 40_000;
    while ((await emulate.runStatus(secondId)) === 'running' && Date.now() < giveUpAt) await sleep(250);
    assert.equal(await emulate.runStatus(secondId), 'completed', 'the stack finalised the run with nobody following it');

    const status = await runCli(['status', secondId, '--api', emulate.apiUrl]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`run ${secondId}: completed`));
    const later = await runCli(['report', secondId, '--api', emulate.apiUrl, '--json', '--out', outDir]);
    assert.equal(later.code, 0, later.stderr);
    assert.equal((JSON.parse(later.stdout) as Report).totals.requests, target.received() - before);
  } finally {
    await emulate.close();
    await target.close();
  }
});
