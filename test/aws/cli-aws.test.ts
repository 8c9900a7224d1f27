import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Report } from '../../lib/report/report-types.js';
import { startEmulateProcess, type EmulateProcess } from '../helpers/aws-stack-helpers.js';
import { runCli } from '../helpers/run-cli.js';
import { runScenario, tempDir } from '../helpers/run-helpers.js';
import { startTestTarget, type TestTarget } from '../helpers/test-target.js';

/**
 * As a user does it: `npm run emulate` (dist/scripts/emulate.js) in one process, then
 * `fanout run --platform aws --api <printed URL>` and `fanout status|report|stop` in others.
 */
let emulator: EmulateProcess;
let apiUrl: string;
let target: TestTarget;
let outDir: string;
let runId: string;

before(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  emulator = await startEmulateProcess();
  apiUrl = emulator.apiUrl;
  target = await startTestTarget({ delayMs: 2 });
  outDir = await tempDir('fanout-cli-aws-');
});

after(async () => {
  await target.close();
  await emulator.close();
});

test('fanout run --platform aws --api <emulated stack>: plan, cost estimate, progress, report.json downloaded', async () => {
  const result = await runCli(
    ['run', '--platform', 'aws', '--api', apiUrl, '--target', target.url, '--users', '4', '--duration', '3s', '--slice-duration', '1s', '--workers', '2', '--yes', '--out', outDir],
    { timeoutMs: 60_000 },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /fanout plan \S+ \(aws\)/);
  assert.match(result.stderr, /cost estimate .*arm64, 1024 MB workers/);
  assert.match(result.stderr, /total\s+≈ \$/);
  const started = /run (\S+) started on/.exec(result.stderr);
  assert.ok(started, result.stderr);
  runId = started[1]!;
  assert.deepEqual(await readdir(outDir), [runId]);
  const report = JSON.parse(await readFile(join(outDir, runId, 'report.json'), 'utf8')) as Report;
  assert.equal(report.run.id, runId, 'the stack ran the plan the CLI showed, under its id');
  assert.equal(report.status, 'completed');
  assert.equal(report.totals.requests, target.received());
  assert.match(result.stdout, new RegExp(runId));
});

test('fanout status, report and stop <id> --api read the run back from the stack', async () => {
  assert.ok(runId, 'the run test ran first');
  const status = await runCli(['status', runId, '--api', apiUrl]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`run ${runId}: completed`));
  assert.match(status.stdout, /step\s+1\s+4\s/);

  const json = await runCli(['report', runId, '--api', apiUrl, '--json', '--out', outDir]);
  assert.equal(json.code, 0, json.stderr);
  assert.equal((JSON.parse(json.stdout) as Report).totals.requests, target.received());

  const stop = await runCli(['stop', runId, '--api', apiUrl]);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /has ended \(completed\)/);

  const unknown = await runCli(['status', 'no-such-run', '--api', apiUrl]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /<id>: no run no-such-run/);
});

test('bad input on the aws platform exits 2 naming the field, and starts nothing', async () => {
  const badApi = await runCli(['run', '--platform', 'aws', '--api', 'not-a-url', '--target', target.url, '--users', '2', '--yes']);
  assert.equal(badApi.code, 2);
  assert.match(badApi.stderr, /--api: /);

  const demo = await runCli(['run', '--platform', 'aws', '--api', apiUrl, '--target', 'demo', '--users', '2', '--yes']);
  assert.equal(demo.code, 2);
  assert.match(demo.stderr, /--target: the demo target runs only with --platform local/);

  const before = target.received();
  const tooDear = await runCli(['run', '--api', apiUrl, '--target', target.url, '--users', '10', '--duration', '2s', '--max-cost', '0', '--out', outDir]);
  assert.equal(tooDear.code, 2);
  assert.match(tooDear.stderr, /--max-cost: estimated \$\S+ is above \$0\.00/);
  assert.match(tooDear.stderr, /nothing was started/);
  assert.equal(target.received(), before);
  assert.deepEqual(await readdir(outDir), [runId]);

  const badLoad = await runCli(['run', '--api', apiUrl, '--target', target.url, '--users', 'many', '--yes']);
  assert.equal(badLoad.code, 2);
  assert.match(badLoad.stderr, /--users: /);
});

test('without --api or --stack, fanout status, stop and report <id> read a local run from its folder', async () => {
  const local = await startTestTarget();
  try {
    const { report, outDir: localDir } = await runScenario({ target: local.url, load: { users: 2, duration: '1s' } });
    const id = report.run.id;
    const status = await runCli(['status', id, '--out', localDir]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`run ${id}: completed`));
    const stop = await runCli(['stop', id, '--out', localDir]);
    assert.match(stop.stdout, /has ended \(completed\)/);
    const json = await runCli(['report', id, '--out', localDir, '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as Report).totals.requests, local.received());
    const missing = await runCli(['status', 'nope', '--out', localDir]);
    assert.equal(missing.code, 2);
  } finally {
    await local.close();
  }
});

test('on Node 20, `fanout --platform aws` prints no AWS SDK notice that its later versions need Node 22 (the CLI supports Node ≥ 20.18)', async () => {
  const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _, ...inherited } = process.env;
  // The stack lookup's CloudFormation client, pointed at a closed port on 127.0.0.1.
  const env = { ...inherited, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:9' };
  const result = await runCli(['status', 'some-run', '--platform', 'aws', '--stack', 'fanout-test', '--region', 'eu-west-1'], { env });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /ECONNREFUSED 127\.0\.0\.1:9/, 'the SDK client was made and used');
  assert.doesNotMatch(result.stderr, /NodeVersionSupportWarning|require node >=22/);
});
