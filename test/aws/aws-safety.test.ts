import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { link, lstat, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient, s3Client } from '../../lib/adapters/aws/aws-clients.js';
import { RUN_SK, runPk } from '../../lib/adapters/aws/runs-table.js';
import { ApiError, FanoutApiClient } from '../../lib/api/api-client.js';
import type { ScenarioInput } from '../../lib/config/scenario-schema.js';
import { estimateCost } from '../../lib/cost/estimate-cost.js';
import { startEmulatedStack, type EmulatedStack } from '../../lib/emulate/emulated-stack.js';
import { parseTargetPatterns } from '../../lib/guard/allowed-targets.js';
import { resolveRunSettings, parseScenario } from '../../lib/config/run-settings.js';
import { planRun } from '../../lib/plan/run-plan.js';
import type { Report } from '../../lib/report/report-types.js';
import { downloadReport } from '../../lib/run/run-aws.js';
import { openSecrets, secretsEnvelopeSchema } from '../../lib/secrets/kms-envelope.js';
import type { ProblemsResponse } from '../../lib/ui/ui-api.js';
import { serveUi } from '../../lib/ui/serve-ui.js';
import { apiClientOf, waitForRunEnd } from '../helpers/aws-stack-helpers.js';
import { startRecordingTarget, type RecordingTarget } from '../helpers/recording-target.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/run-helpers.js';
import { filesHolding, secretsIn } from '../helpers/secret-scan.js';
import { apiCall } from '../ui/ui-http.js';

/**
 * The stack's side of safety, on the emulated stack: credentials travel to the workers encrypted
 * (KMS) and are stored nowhere in clear; POST /runs refuses runs past the stack's limits whatever
 * the client sent; the caller's IAM identity is recorded and runs list by owner; a 500 carries a
 * request id and nothing of the error.
 */
const LIMITS = { maxRunDurationMs: 60_000, maxWorkersPerRun: 4, maxCostPerRunUsd: 0.002, allowedTargets: parseTargetPatterns('127.0.0.1, *.allowed.test') };

let stack: EmulatedStack;
let api: FanoutApiClient;
/** What the functions printed: their logs on AWS. */
const logs: string[] = [];
const consoleMethods = ['log', 'info', 'warn', 'error'] as const;
const originals = consoleMethods.map((name) => console[name]);

before(async () => {
  stack = await startEmulatedStack({ barrierMs: 1500, stragglerGraceMs: 1000, watchPollMs: 250, limits: LIMITS, log: (message) => logs.push(message) });
  api = apiClientOf(stack);
  // Kept, not printed: the 500 test makes the API log a failure on purpose.
  for (const name of consoleMethods) console[name] = (...args: unknown[]) => void logs.push(args.map(String).join(' '));
});
after(async () => {
  consoleMethods.forEach((name, index) => (console[name] = originals[index]!));
  await stack.lambda.whenIdle();
  await stack.close();
});

const BEARER = 'eyJhbGciOi.aws-bearer-51e0';
const API_KEY = 'xk-aws-header-9f21';
const QUERY_KEY = 'qk-aws-query-77c3';
const PASSWORD = 'aws-Pass-word-3310';
const BASIC = Buffer.from(`tester:${PASSWORD}`).toString('base64');
const SECRETS = [BEARER, API_KEY, QUERY_KEY, PASSWORD, BASIC];

function credentialScenario(target: RecordingTarget): ScenarioInput {
  return {
    name: 'credentials on aws',
    target: `http://tester:${PASSWORD}@127.0.0.1:${target.port}`,
    requests: [
      { name: 'items', path: `/items?api_key=${QUERY_KEY}&page=1`, headers: { authorization: `Bearer ${BEARER}`, 'x-api-key': API_KEY } },
      { name: 'basic', path: '/basic' },
    ],
    load: { users: 1, duration: '2s' },
  };
}

/** Every object under the prefix, as bytes (slice results are CBOR). */
async function bucketObjects(prefix: string): Promise<Map<string, Buffer>> {
  const s3 = s3Client(stack.config.connection);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: prefix }));
  const objects = new Map<string, Buffer>();
  for (const { Key } of listed.Contents ?? []) {
    const object = await s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key }));
    objects.set(Key!, Buffer.from(await object.Body!.transformToByteArray()));
  }
  return objects;
}

async function tableText(): Promise<string> {
  const { Items } = await dynamoDocumentClient(stack.config.connection).send(new ScanCommand({ TableName: stack.table }));
  return JSON.stringify(Items);
}

test('credentials reach the target; S3, the runs table, the API\'s answers and the functions\' logs hold none; the workers got them through KMS', async () => {
  const target = await startRecordingTarget();
  try {
    const started = await api.startRun(credentialScenario(target));
    const final = await waitForRunEnd(api, started.runId);
    await stack.lambda.whenIdle();
    assert.equal(final.run.status, 'completed');

    const items = target.requests().find((request) => request.url.startsWith('/items'));
    const basic = target.requests().find((request) => request.url === '/basic');
    assert.equal(items?.url, `/items?api_key=${QUERY_KEY}&page=1`);
    assert.equal(items?.headers.authorization, `Bearer ${BEARER}`);
    assert.equal(items?.headers['x-api-key'], API_KEY);
    assert.equal(basic?.headers.authorization, `Basic ${BASIC}`);

    const objects = await bucketObjects(`runs/${started.runId}/`);
    for (const [key, body] of objects) assert.deepEqual(secretsIn(body.toString('latin1'), SECRETS), [], `${key} holds a secret`);
    for (const key of ['plan.json', 'plan-secrets.json', 'report.json', 'report.html']) assert.ok(objects.has(`runs/${started.runId}/${key}`), key);
    assert.deepEqual(secretsIn(await tableText(), SECRETS), [], 'the runs table holds a secret');
    const answers = JSON.stringify([final, await api.getRun(started.runId), await api.listRuns()]);
    assert.deepEqual(secretsIn(answers, SECRETS), [], 'an API answer holds a secret');
    assert.deepEqual(secretsIn(logs.join('\n'), SECRETS), [], 'a function logged a secret');

    const plan = JSON.parse(objects.get(`runs/${started.runId}/plan.json`)!.toString('utf8')) as { settings: { requests: Array<{ path: string; headers: Record<string, string> }> } };
    assert.match(plan.settings.requests[0]!.headers.authorization!, /^Bearer ••••[0-9a-f]{6}$/);
    assert.match(plan.settings.requests[0]!.path, /^\/items\?api_key=••••[0-9a-f]{6}&page=1$/);

    // The secrets beside the plan: a KMS envelope made for this run (GenerateDataKey by the
    // coordinator), opened by the workers (Decrypt) under the run's encryption context only.
    const envelope = secretsEnvelopeSchema.parse(JSON.parse(objects.get(`runs/${started.runId}/plan-secrets.json`)!.toString('utf8')));
    const context = { 'fanout:runId': started.runId };
    const calls = stack.kms.calls.filter((call) => call.encryptionContext['fanout:runId'] === started.runId);
    assert.deepEqual(calls.filter((call) => call.operation === 'GenerateDataKey').length, 1);
    assert.ok(calls.some((call) => call.operation === 'Decrypt' && call.error === undefined));
    assert.ok(calls.every((call) => JSON.stringify(call.encryptionContext) === JSON.stringify(context)));
    const kms = new KMSClient({ region: stack.region, endpoint: stack.env.FANOUT_KMS_ENDPOINT! });
    const opened = await openSecrets(kms, started.runId, envelope);
    assert.ok(opened.entries.some((entry) => entry.value === BEARER));
    await assert.rejects(openSecrets(kms, 'another-run', envelope), /does not open/, 'an envelope moved to another run does not open');

    // A run without credentials needs no envelope at all.
    const plain = await api.startRun({ target: `http://127.0.0.1:${target.port}`, load: { users: 1, duration: '1s' } });
    await waitForRunEnd(api, plain.runId);
    await stack.lambda.whenIdle();
    assert.equal((await bucketObjects(`runs/${plain.runId}/plan-secrets`)).size, 0);
  } finally {
    await target.close();
  }
});

test('fanout run --api: the console shows no credential; the downloaded report is owner-only, and replaces a link instead of writing through it', async () => {
  const target = await startRecordingTarget();
  const out = await tempDir();
  const folder = await tempDir();
  const file = join(folder, 'credentials.json');
  await writeFile(file, JSON.stringify(credentialScenario(target)));
  try {
    const run = await runCli(['run', file, '--api', stack.apiUrl, '--yes', '--out', out], { timeoutMs: 60_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(secretsIn(run.stdout + run.stderr, SECRETS), []);
    assert.match(run.stderr, /requests {3}items ×1/);
    const runId = /fanout plan (\S+)/.exec(run.stderr)![1]!;
    const reportPath = join(out, runId, 'report.json');
    assert.equal((await lstat(reportPath)).mode & 0o777, 0o600);
    assert.equal((await lstat(join(out, runId))).mode & 0o777, 0o700);
    assert.deepEqual(await filesHolding(out, SECRETS), []);

    // Downloading again over a report.json that is a link (or a second name of another file):
    // the file is replaced whole, the other file is never written.
    const decoy = join(folder, 'decoy.txt');
    await writeFile(decoy, 'not a report');
    await rm(reportPath);
    await symlink(decoy, reportPath);
    await downloadReport(api, runId, out);
    assert.equal(await readFile(decoy, 'utf8'), 'not a report');
    assert.ok((await lstat(reportPath)).isFile());
    await rm(reportPath);
    await link(decoy, reportPath);
    await downloadReport(api, runId, out);
    assert.equal(await readFile(decoy, 'utf8'), 'not a report');
    assert.equal((JSON.parse(await readFile(reportPath, 'utf8')) as Report).run.id, runId);
  } finally {
    await target.close();
  }
});

async function refusalOf(scenario: ScenarioInput): Promise<ApiError> {
  return api.startRun(scenario).then(
    () => assert.fail('the run started'),
    (error: unknown) => error as ApiError,
  );
}

test('POST /runs past a stack limit: 422 naming the limit, what it allows and what was asked; no function but the API ran', async () => {
  const small: ScenarioInput = { target: 'http://127.0.0.1:9', load: { users: 1, duration: '2s' } };
  const dear: ScenarioInput = { target: 'http://127.0.0.1:9', load: { users: 4, duration: '50s', workers: 4 } };
  const estimate = (scenario: ScenarioInput) =>
    estimateCost(planRun(resolveRunSettings(parseScenario(scenario, 'test')), { platform: 'aws' }), { workerMemoryMb: 1024, architecture: 'arm64', barrierMs: 1500 }).totalUsd;
  assert.ok(estimate(small) < LIMITS.maxCostPerRunUsd && estimate(dear) > LIMITS.maxCostPerRunUsd, `${estimate(small)} < ${LIMITS.maxCostPerRunUsd} < ${estimate(dear)}`);

  const before = stack.lambda.invocations.length;
  const cases: Array<{ scenario: ScenarioInput; limit: string; allowed: string; requested: RegExp; field: string }> = [
    { scenario: { ...small, load: { users: 1, duration: '2m' } }, limit: 'maxRunDuration', allowed: '1m', requested: /^2m$/, field: 'load.duration (--duration)' },
    { scenario: { ...small, load: { steps: [1, 2, 3], stepDuration: '30s' } }, limit: 'maxRunDuration', allowed: '1m', requested: /^1\.5m|90s$/, field: 'load.stepDuration (--step-duration)' },
    { scenario: { ...small, load: { users: 5, duration: '2s', workers: 5 } }, limit: 'maxWorkersPerRun', allowed: '4', requested: /^5$/, field: 'load.workers (--workers)' },
    { scenario: dear, limit: 'maxCostPerRun', allowed: '$0.002', requested: /^\$0\.\d+$/, field: 'load' },
    { scenario: { ...small, target: 'http://10.9.8.7' }, limit: 'allowedTargets', allowed: '127.0.0.1, *.allowed.test', requested: /^10\.9\.8\.7$/, field: 'target (--target)' },
    // Names are not resolved: localhost is not 127.0.0.1, and an address pattern admits no name.
    { scenario: { ...small, target: 'http://localhost:9' }, limit: 'allowedTargets', allowed: '127.0.0.1, *.allowed.test', requested: /^localhost$/, field: 'target (--target)' },
  ];
  for (const { scenario, limit, allowed, requested, field } of cases) {
    const refused = await refusalOf(scenario);
    assert.equal(refused.status, 422, `${limit}: ${refused.message}`);
    assert.equal(refused.body.error, 'limit');
    assert.equal(refused.body.limit, limit);
    assert.equal(refused.body.allowed, allowed);
    assert.match(refused.body.requested!, requested);
    assert.equal(refused.body.problems?.[0]?.field, field);
    assert.match(refused.body.message, new RegExp(`this stack's ${limit} is`));
  }
  const invoked = stack.lambda.invocations.slice(before).map((invocation) => invocation.functionName);
  assert.deepEqual([...new Set(invoked)], [stack.functions.api], 'refused by the API itself: no coordinator, no worker');
});

test('a redirect cannot lead the workers past allowedTargets: a Location on another host is not loaded and counts as blocked; one on the target is followed', async () => {
  // The other host is this machine too, named `localhost`: a name the stack's patterns do not admit.
  const elsewhere = await startRecordingTarget();
  const hits: Record<string, number> = {};
  const target = createServer((request, response) => {
    hits[request.url!] = (hits[request.url!] ?? 0) + 1;
    if (request.url === '/away') response.writeHead(302, { location: `http://localhost:${elsewhere.port}/landing` }).end();
    else if (request.url === '/home') response.writeHead(302, { location: '/landing' }).end();
    else response.end('ok');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  try {
    const started = await api.startRun({
      target: `http://127.0.0.1:${(target.address() as AddressInfo).port}`,
      flows: [{ name: 'main', steps: [{ name: 'away', path: '/away' }, { name: 'home', path: '/home' }] }],
      load: { users: 1, duration: '2s' },
    } as ScenarioInput);
    const final = await waitForRunEnd(api, started.runId);
    await stack.lambda.whenIdle();
    assert.equal(final.run.status, 'completed');
    const { report } = await api.downloadReport((await api.reportLink(started.runId)).url);
    const byName = Object.fromEntries(report.requests.map((request) => [request.name, request]));

    assert.ok(hits['/away']! > 0, JSON.stringify(hits));
    assert.deepEqual(elsewhere.requests(), [], 'the other host received nothing');
    assert.equal(byName.away!.requests, hits['/away']);
    assert.equal(byName.away!.errors, hits['/away']);
    assert.deepEqual(byName.away!.statusCodes, { '302': hits['/away'] });
    assert.equal(report.totals.errorsByType.blocked, hits['/away']);
    assert.match(report.totals.errorSamples.find((sample) => sample.type === 'blocked')?.message ?? '', new RegExp(`redirect to localhost:${elsewhere.port} not followed: not in this stack's allowedTargets`));
    // The same run's redirect within the target is followed as before: both hops under the name, no error.
    assert.equal(byName.home!.requests, hits['/home']! + hits['/landing']!);
    assert.equal(byName.home!.errors, 0);
    assert.equal(report.totals.requests, Object.values(hits).reduce((sum, count) => sum + count, 0));
  } finally {
    target.closeAllConnections();
    await new Promise<void>((resolve) => target.close(() => resolve()));
    await elsewhere.close();
  }
});

test('the account keeps its concurrency headroom: a run that fits only without it is refused, naming concurrencyHeadroom', async () => {
  try {
    // One worker alive at most, plus the coordinator and the aggregator: 3 fit exactly, none kept free.
    stack.lambda.unreservedConcurrency = 3;
    const refused = await refusalOf({ target: 'http://127.0.0.1:9', load: { users: 1, duration: '2s' } });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error, 'quota');
    assert.match(refused.body.message, /kept free for the account's other functions \(this stack's concurrencyHeadroom, 20%\)/);
    assert.equal(refused.body.needed, 4);
    assert.equal(refused.body.available, 3);
  } finally {
    stack.lambda.unreservedConcurrency = 1000;
  }
});

test('the CLI and the UI show a limit refusal as bad input, naming the field and the limit', async () => {
  const cli = await runCli(['run', '--api', stack.apiUrl, '--target', 'http://127.0.0.1:9', '--users', '1', '--duration', '2m', '--yes', '--out', await tempDir()]);
  assert.equal(cli.code, 2, cli.stderr);
  assert.match(cli.stderr, /nothing was started/);
  assert.match(cli.stderr, /load\.duration \(--duration\): the run lasts 2m; this stack's maxRunDuration is 1m/);

  const server = await serveUi({ port: '0', host: '127.0.0.1', out: await tempDir(), maxCost: '100', api: stack.apiUrl }, () => {});
  try {
    const refused = await apiCall<ProblemsResponse>(server, 'POST', '/api/runs', { target: 'http://127.0.0.1:9', users: '1', duration: '2m', platform: 'aws' });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.problems[0]?.formField, 'duration');
    assert.match(refused.body.problems[0]!.message, /maxRunDuration is 1m/);
  } finally {
    await server.close();
  }
});

test('who ran it: the caller\'s IAM identity is on the run and in its report, and runs list by owner', async () => {
  const target = await startRecordingTarget();
  const alice = new FanoutApiClient({ baseUrl: stack.apiUrl, region: stack.region, credentials: async () => ({ accessKeyId: 'ALICEKEY', secretAccessKey: 'alice-secret' }) });
  try {
    const ours = await api.startRun({ target: target.url, load: { users: 1, duration: '1s' } });
    const hers = await alice.startRun({ target: target.url, load: { users: 1, duration: '1s' } });
    await waitForRunEnd(api, ours.runId);
    await waitForRunEnd(api, hers.runId);
    await stack.lambda.whenIdle();
    const emulatorArn = 'arn:aws:iam::000000000000:user/fanout-emulator';
    const aliceArn = 'arn:aws:iam::000000000000:user/ALICEKEY';
    assert.equal((await api.getRun(ours.runId)).run.owner, emulatorArn);
    assert.equal((await api.getRun(hers.runId)).run.owner, aliceArn);
    const { report } = await api.downloadReport((await api.reportLink(hers.runId)).url);
    assert.equal(report.run.owner, aliceArn);

    const mine = await api.listRuns('me');
    assert.equal(mine.owner, emulatorArn);
    assert.ok(mine.runs.some((run) => run.runId === ours.runId));
    assert.ok(mine.runs.every((run) => run.owner === emulatorArn));
    assert.deepEqual((await alice.listRuns('me')).runs.map((run) => run.runId), [hers.runId]);
    assert.deepEqual((await api.listRuns(aliceArn)).runs.map((run) => run.runId), [hers.runId]);
    const everyone = (await api.listRuns()).runs.map((run) => run.runId);
    assert.ok(everyone.includes(ours.runId) && everyone.includes(hers.runId));
    assert.equal(everyone[0], hers.runId, 'newest first');
    const listed = await runCli(['runs', '--api', stack.apiUrl, '--owner', 'me', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const cliRuns = (JSON.parse(listed.stdout) as Array<{ runId: string }>).map((run) => run.runId);
    assert.ok(cliRuns.includes(ours.runId) && !cliRuns.includes(hers.runId));
  } finally {
    await target.close();
  }
});

test('a failure inside the API answers 500 with a request id; the detail stays in the function\'s log', async () => {
  // A run item this version cannot read (the table outlives code versions): reading it throws.
  const runId = `broken-${Date.now()}`;
  await dynamoDocumentClient(stack.config.connection).send(
    new PutCommand({ TableName: stack.table, Item: { pk: runPk(runId), sk: RUN_SK, runId, status: 'arn:aws:iam::123456789012:role/secret-role' } }),
  );
  const failed = await api.getRun(runId).then(
    () => assert.fail('answered'),
    (error: unknown) => error as ApiError,
  );
  assert.equal(failed.status, 500);
  assert.equal(failed.body.error, 'internal');
  assert.match(failed.body.requestId ?? '', /^[0-9a-f-]{36}$/);
  assert.doesNotMatch(JSON.stringify(failed.body), /arn:|secret-role|zod|invalid|expected/i);
  assert.ok(logs.some((line) => line.includes(`request ${failed.body.requestId}`) && line.includes('Invalid option')), 'the detail is logged under the id');
});
