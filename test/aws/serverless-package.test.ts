import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { s3Client } from '../../lib/adapters/aws/aws-clients.js';
import { createRunsTableInput, RUNS_TABLE } from '../../lib/adapters/aws/runs-table.js';
import { SLICE_TAG } from '../../lib/adapters/aws/s3-blob-store.js';
import { API_ROUTES, routeKeyOf } from '../../lib/api/routes.js';
import { BundledFunction } from '../../lib/emulate/bundled-function.js';
import { handlerSetting, lambdaFunctionEnv, startEmulatedStack } from '../../lib/emulate/emulated-stack.js';
import { unpackFunctionBundles, type UnpackedBundles } from '../../lib/emulate/function-bundles.js';
import { lambdaNode, nodeMajorOfRuntime } from '../../lib/emulate/lambda-node.js';
import { slsPackage } from '../../lib/emulate/sls-package.js';
import { stackLimitsEnvSchema, stackLimitsFromEnv } from '../../lib/guard/stack-limits.js';
import { FUNCTIONS, type FunctionKey } from '../../lib/lambda/function-specs.js';
import { runtimeEnvSchema } from '../../lib/lambda/runtime-config.js';
import { planKey, reportHtmlKey, reportKey, stepPartKey, type SliceTask } from '../../lib/plan/slice-task.js';
import { planSecretsKey } from '../../lib/secrets/kms-secrets-keeper.js';
import type { Report } from '../../lib/report/report-types.js';
import { firstInvocations } from '../../bench/lambda/first-invocations.js';
import { apiClientOf, waitForRunEnd, workerInvocations } from '../helpers/aws-stack-helpers.js';
import { tempDir } from '../helpers/run-helpers.js';
import { startTestTarget } from '../helpers/test-target.js';

/**
 * `sls package` (osls; no credentials, no network) and what it writes: the CloudFormation
 * template `sls deploy` would create, checked resource by resource, and the functions' zips, each
 * unpacked on its own and run under the Lambda runtime's Node major on the emulated stack.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
interface Template {
  Conditions?: Record<string, Json>;
  Resources: Record<string, { Type: string; Properties: JsonObject; Condition?: string }>;
  Outputs: Record<string, JsonObject>;
}

interface Packaged {
  template: Template;
  dir: string;
  /** What `sls package --verbose` printed. */
  output: string;
}

async function packageStack(params: string[]): Promise<Packaged> {
  const dir = await tempDir('fanout-sls-');
  const output = await slsPackage({ outDir: dir, params });
  const template = JSON.parse(await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  return { template, dir, output };
}

/** The default package, made once and shared by the tests that read it (packaging takes seconds). */
let defaultPackage: Promise<Packaged> | undefined;
const packagedWithDefaults = () => (defaultPackage ??= packageStack([]));

let unpacked: Promise<UnpackedBundles> | undefined;
const unpackedDefaults = () => (unpacked ??= packagedWithDefaults().then((packaged) => unpackFunctionBundles(packaged.dir)));
after(async () => {
  await (await unpacked)?.remove();
});

/** Evaluates the condition functions the template uses, over literal values. */
function evaluate(value: Json): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  if ('Fn::Not' in value) return !evaluate((value['Fn::Not'] as Json[])[0]!);
  if ('Fn::Equals' in value) {
    const [a, b] = (value['Fn::Equals'] as Json[]).map(evaluate);
    return a === b;
  }
  if ('Fn::Split' in value) {
    const [separator, text] = value['Fn::Split'] as [string, Json];
    return String(evaluate(text)).split(separator);
  }
  return value;
}

/** The branch an `Fn::If` takes, given the template's conditions. */
function resolveIf(template: Template, value: Json): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !('Fn::If' in value)) return value;
  const [condition, whenTrue, whenFalse] = value['Fn::If'] as [string, Json, Json];
  return evaluate(template.Conditions![condition]!) ? whenTrue : whenFalse;
}

const isNoValue = (value: Json) => JSON.stringify(value) === JSON.stringify({ Ref: 'AWS::NoValue' });
const logicalId = (key: FunctionKey) => `${key[0]!.toUpperCase()}${key.slice(1)}LambdaFunction`;

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
}

function statementsOf(template: Template, role: string): Statement[] {
  const policies = template.Resources[role]!.Properties.Policies as unknown as Array<{ PolicyDocument: { Statement: Statement[] } }>;
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

const actionsOf = (statement: Statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);
const resourcesOf = (statement: Statement) => (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]);
const functionArn = (name: string) => ({
  'Fn::Join': [':', ['arn', { Ref: 'AWS::Partition' }, 'lambda', { Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }, 'function', name]],
});
/** The S3 objects a role may act on, by action: the part of each resource after the bucket's ARN. */
function s3Grants(template: Template, role: string): Record<string, string[]> {
  const grants: Record<string, string[]> = {};
  for (const statement of statementsOf(template, role)) {
    for (const action of actionsOf(statement).filter((name) => name.startsWith('s3:'))) {
      for (const resource of resourcesOf(statement)) {
        const join = (resource as { 'Fn::Join'?: [string, Json[]] })['Fn::Join'];
        const bucket = JSON.stringify(join?.[1][0] ?? resource) === JSON.stringify({ 'Fn::GetAtt': ['ResultsBucket', 'Arn'] });
        assert.ok(bucket, `${role}: ${action} on ${JSON.stringify(resource)}, not the results bucket`);
        (grants[action] ??= []).push(join ? String(join[1][1]) : '(bucket)');
      }
    }
  }
  for (const objects of Object.values(grants)) objects.sort();
  return grants;
}
const table = { 'Fn::GetAtt': ['RunsTable', 'Arn'] };

test('sls package, with no credentials and no VPC params: functions, IAM-authorised routes, bucket, table, least-privilege roles', async () => {
  const { template, dir, output } = await packagedWithDefaults();
  const resources = template.Resources;

  // The four functions, on Node 24 (bundled for it) on arm64, each with its own role and timeout.
  assert.match(output, /Compiling to node24 bundle/);
  for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
    const fn = resources[logicalId(key)];
    assert.ok(fn, `function ${key}`);
    assert.equal(fn.Properties.Runtime, 'nodejs24.x');
    assert.deepEqual(fn.Properties.Architectures, ['arm64']);
    assert.equal(fn.Properties.Timeout, FUNCTIONS[key].timeoutS);
    assert.equal(fn.Properties.FunctionName, `fanout-test-${key}`);
    assert.equal(fn.Properties.Handler, `functions/${key}.handler`);
    assert.deepEqual(fn.Properties.Role, { 'Fn::GetAtt': [`${key[0]!.toUpperCase()}${key.slice(1)}Role`, 'Arn'] });
    const vpc = fn.Properties.VpcConfig;
    assert.ok(vpc === undefined || isNoValue(resolveIf(template, vpc)), `${key} has no VPC attachment without the params`);
    // Every variable the function requires is set.
    const env = (fn.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    for (const [name, schema] of Object.entries(runtimeEnvSchema.shape)) {
      if (name.startsWith('FANOUT_') && !schema.safeParse(undefined).success) assert.ok(name in env, `${key} lacks ${name}`);
    }
    // Bundled per function, the AWS SDK inside and tree-shaken: still small.
    const zip = await stat(join(dir, `${key}.zip`));
    assert.ok(zip.size < 2_000_000, `${key}.zip is ${zip.size} bytes`);
    assert.ok((await readFile(join(dir, `${key}.zip`))).includes(`functions/${key}.mjs`));
  }
  assert.equal(resources.WorkerLambdaFunction!.Properties.MemorySize, 1024);

  // Async retries off on the worker (a failed slice must not triple its load), on for the aggregator
  // (idempotent), as the emulated stack runs them; both send what fails for good to the queue.
  const invokeConfigs = Object.values(resources).filter((resource) => resource.Type === 'AWS::Lambda::EventInvokeConfig');
  const queueArn = { 'Fn::GetAtt': ['FailedInvocationsQueue', 'Arn'] };
  for (const key of ['worker', 'aggregator'] as const) {
    const config = invokeConfigs.find((resource) => JSON.stringify(resource.Properties.FunctionName) === JSON.stringify({ Ref: logicalId(key) }));
    assert.equal(config?.Properties.MaximumRetryAttempts, FUNCTIONS[key].asyncRetries, `${key}'s async retries`);
    assert.deepEqual(config?.Properties.DestinationConfig, { OnFailure: { Destination: queueArn } }, `${key}'s on-failure destination`);
  }
  assert.equal(FUNCTIONS.worker.asyncRetries, 0);
  assert.equal(resources.FailedInvocationsQueue?.Type, 'AWS::SQS::Queue');
  // The aggregator consumes the queue (and records each failure with its run).
  const mappings = Object.values(resources).filter((resource) => resource.Type === 'AWS::Lambda::EventSourceMapping');
  assert.deepEqual(
    mappings.map((mapping) => [mapping.Properties.EventSourceArn, mapping.Properties.FunctionName]),
    [[queueArn, { 'Fn::GetAtt': ['AggregatorLambdaFunction', 'Arn'] }]],
  );
  // Destinations are sent with the function's own role; the consumer reads with the aggregator's.
  const sqsActions = (role: string) => statementsOf(template, role).filter((statement) => actionsOf(statement).some((action) => action.startsWith('sqs:')));
  assert.deepEqual(sqsActions('WorkerRole').map((statement) => [actionsOf(statement), statement.Resource]), [[['sqs:SendMessage'], queueArn]]);
  assert.deepEqual(sqsActions('AggregatorRole').map((statement) => [actionsOf(statement).sort(), statement.Resource]), [
    [['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:SendMessage'], queueArn],
  ]);
  // No concurrency reserved for the worker unless asked for.
  const reserved = resources.WorkerLambdaFunction!.Properties.ReservedConcurrentExecutions;
  assert.ok(reserved === undefined || isNoValue(resolveIf(template, reserved)), 'no reserved concurrency without the param');

  // The HTTP API: exactly the API's routes, every one with AWS_IAM authorisation.
  const routes = Object.values(resources).filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route');
  assert.deepEqual(routes.map((route) => route.Properties.RouteKey).sort(), API_ROUTES.map(routeKeyOf).sort());
  assert.ok(routes.every((route) => route.Properties.AuthorizationType === 'AWS_IAM'));

  // The results bucket: private, raw slice histograms expiring by their tag.
  const bucket = resources.ResultsBucket!.Properties;
  assert.deepEqual(bucket.PublicAccessBlockConfiguration, { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
  const rules = (bucket.LifecycleConfiguration as { Rules: JsonObject[] }).Rules;
  const sliceRule = rules.find((rule) => JSON.stringify(rule.TagFilters) === JSON.stringify([{ Key: SLICE_TAG.key, Value: SLICE_TAG.value }]));
  assert.equal(sliceRule?.ExpirationInDays, 30);

  // The runs table: on demand, the layout the adapter uses, TTL on.
  const runs = resources.RunsTable!.Properties;
  const expected = createRunsTableInput('fanout-test-runs');
  assert.equal(runs.TableName, 'fanout-test-runs');
  assert.equal(runs.BillingMode, 'PAY_PER_REQUEST');
  assert.deepEqual(runs.KeySchema, expected.KeySchema);
  assert.deepEqual(runs.AttributeDefinitions, expected.AttributeDefinitions);
  assert.deepEqual(runs.GlobalSecondaryIndexes, expected.GlobalSecondaryIndexes);
  assert.deepEqual(runs.TimeToLiveSpecification, { AttributeName: RUNS_TABLE.ttlAttribute, Enabled: true });

  // Least privilege: no action wildcards, no `*` resource but the one IAM offers nothing narrower for.
  for (const role of ['ApiRole', 'CoordinatorRole', 'WorkerRole', 'AggregatorRole']) {
    for (const statement of statementsOf(template, role)) {
      assert.equal(statement.Effect, 'Allow');
      assert.ok(actionsOf(statement).every((action) => !action.includes('*')), `${role}: ${JSON.stringify(statement.Action)}`);
      if (resourcesOf(statement).includes('*')) assert.deepEqual(actionsOf(statement), ['lambda:GetAccountSettings'], `${role} has a * resource`);
    }
  }
  assert.ok(isNoValue(resolveIf(template, resources.WorkerRole!.Properties.ManagedPolicyArns!)), 'no EC2 rights without the VPC');

  // The worker: S3 grants are checked object by object below; writes only the runs table, invokes only the worker and aggregator.
  const worker = statementsOf(template, 'WorkerRole');
  const dynamo = worker.filter((statement) => actionsOf(statement).some((action) => action.startsWith('dynamodb:')));
  assert.ok(dynamo.length > 0 && dynamo.every((statement) => JSON.stringify(resourcesOf(statement)) === JSON.stringify([table])));
  const invoke = worker.filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'));
  assert.deepEqual(invoke.flatMap(resourcesOf), [functionArn('fanout-test-worker'), functionArn('fanout-test-aggregator')]);
  // The aggregator (the run's supervisor) invokes itself and the worker (a lane's lost slice).
  const aggregatorInvoke = statementsOf(template, 'AggregatorRole').filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'));
  assert.deepEqual(aggregatorInvoke.flatMap(resourcesOf), [functionArn('fanout-test-aggregator'), functionArn('fanout-test-worker')]);
  // The API may start runs (the coordinator) and finalise them (the aggregator), nothing else.
  const apiInvoke = statementsOf(template, 'ApiRole').filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'));
  assert.deepEqual(apiInvoke.flatMap(resourcesOf), [functionArn('fanout-test-coordinator'), functionArn('fanout-test-aggregator')]);
  // The coordinator reads the quotas it checks.
  const coordinatorActions = statementsOf(template, 'CoordinatorRole').flatMap(actionsOf);
  assert.ok(coordinatorActions.includes('lambda:GetAccountSettings') && coordinatorActions.includes('lambda:GetFunctionConcurrency'));

  assert.ok(template.Outputs.HttpApiUrl, 'the CLI finds the API by this output');
  assert.ok(template.Outputs.WorkerFunctionName);
});

test('sls package with the params: the worker (only) in those subnets and security groups, its memory, architecture and reserved concurrency, Node 22', async () => {
  const { template, output } = await packageStack([
    'vpcSubnetIds=subnet-a,subnet-b',
    'vpcSecurityGroupIds=sg-x',
    'workerMemory=2048',
    'architecture=x86_64',
    'nodeRuntime=nodejs22.x',
    'workerReservedConcurrency=0',
  ]);
  const resources = template.Resources;
  assert.match(output, /Compiling to node22 bundle/);
  for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) assert.equal(resources[logicalId(key)]!.Properties.Runtime, 'nodejs22.x');
  const vpc = resolveIf(template, resources.WorkerLambdaFunction!.Properties.VpcConfig!) as { SubnetIds: Json; SecurityGroupIds: Json };
  assert.deepEqual(evaluate(vpc.SubnetIds), ['subnet-a', 'subnet-b']);
  assert.deepEqual(evaluate(vpc.SecurityGroupIds), ['sg-x']);
  for (const key of ['api', 'coordinator', 'aggregator'] as const) {
    const other = resources[logicalId(key)]!.Properties.VpcConfig;
    assert.ok(other === undefined || isNoValue(resolveIf(template, other)), `${key} stays outside the VPC`);
  }
  const managed = resolveIf(template, resources.WorkerRole!.Properties.ManagedPolicyArns!);
  assert.match(JSON.stringify(managed), /AWSLambdaVPCAccessExecutionRole/);
  assert.equal(resources.WorkerLambdaFunction!.Properties.MemorySize, 2048);
  assert.deepEqual(resources.WorkerLambdaFunction!.Properties.Architectures, ['x86_64']);
  // The backstop: a reserved concurrency of 0 throttles every new worker invocation.
  assert.equal(Number(resolveIf(template, resources.WorkerLambdaFunction!.Properties.ReservedConcurrentExecutions!)), 0);
});

/** Every module a bundle still loads at run time, as esbuild reads the bundle's imports and requires. */
async function runtimeImports(file: string): Promise<string[]> {
  const { metafile } = await build({ entryPoints: [file], bundle: true, packages: 'external', platform: 'node', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
  return [...new Set(Object.values(metafile.inputs).flatMap((input) => input.imports.filter((entry) => entry.external).map((entry) => entry.path)))];
}

const isNodeBuiltin = (specifier: string) => specifier.startsWith('node:') || builtinModules.includes(specifier);

test('each zip carries what its handler imports: the AWS SDK is bundled, nothing is left to the runtime but node:*', async () => {
  const { bundles } = await unpackedDefaults();
  for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
    const file = join(bundles[key].directory, 'functions', `${key}.mjs`);
    const code = await readFile(file, 'utf8');
    const external = (await runtimeImports(file)).filter((specifier) => !isNodeBuiltin(specifier));
    assert.deepEqual(external, [], `${key} loads ${external.join(', ')} from outside its zip`);
    assert.match(code, /DynamoDBClient/, `${key} carries the DynamoDB client`);
  }
});

/**
 * Two steps of 2 s, slices of 1 s, two workers (the second joins at step 2): 6 worker invocations,
 * 6 step results. With a credential, so that the packaged coordinator seals it and the packaged
 * worker opens it through KMS.
 */
const twoSteps = (url: string) => ({
  target: url,
  requests: [
    { name: 'home', path: '/', headers: { authorization: 'Bearer packaged-token-1234' } },
    { name: 'missing', path: '/missing', expect: { status: [404] } },
  ],
  load: { steps: [2, 4], stepDuration: '2s', sliceDuration: '1s', workers: 2 },
});

/** The folders from `folder` up to the root, none of which may hold a node_modules. */
function foldersUpFrom(folder: string): string[] {
  const folders = [folder];
  while (dirname(folders.at(-1)!) !== folders.at(-1)) folders.push(dirname(folders.at(-1)!));
  return folders;
}

test('the zips, each unpacked alone, run a whole run on the emulated stack under the Lambda runtime\'s Node (24)', async () => {
  const { template } = await packagedWithDefaults();
  const { bundles, root } = await unpackedDefaults();
  const runtime = String(template.Resources.WorkerLambdaFunction!.Properties.Runtime);
  const node = await lambdaNode(nodeMajorOfRuntime(runtime));
  assert.match(node.version, /^v24\./);
  for (const folder of foldersUpFrom(root)) assert.ok(!existsSync(join(folder, 'node_modules')), `${folder} has a node_modules`);
  for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
    assert.deepEqual(await readdir(bundles[key].directory), key === 'aggregator' ? ['dist', 'functions'] : ['functions'], `${key}: only the zip's files`);
  }

  const directories = Object.fromEntries(Object.entries(bundles).map(([key, bundle]) => [key, bundle.directory])) as Record<FunctionKey, string>;
  // A longer barrier than in-process: each first invocation starts a node process (a cold start).
  const stack = await startEmulatedStack({ barrierMs: 4000, stragglerGraceMs: 1000, watchPollMs: 250, bundles: { directories, runtime, node: node.path } });
  const target = await startTestTarget({ delayMs: 2, statusByPath: { '/missing': 404 } });
  try {
    const api = apiClientOf(stack);
    const started = await api.startRun(twoSteps(target.url));
    const final = await waitForRunEnd(api, started.runId, 90_000);
    await stack.lambda.whenIdle();
    assert.equal(final.run.status, 'completed');
    const workers = workerInvocations(stack, started.runId);
    // Six slices ran, each once (a cold start slower than the claim grace may add a duplicate, which does nothing).
    assert.equal(workers.filter((invocation) => (invocation.result as { ran: boolean }).ran).length, 6);
    assert.ok(workers.every((invocation) => invocation.error === undefined));

    const link = await api.reportLink(started.runId);
    const { report } = (await api.downloadReport(link.url)) as { report: Report };
    assert.equal(report.status, 'completed');
    assert.equal(report.totals.requests, target.received());
    assert.deepEqual(report.completeness, { expected: 6, received: 6 });
    assert.equal(target.authorizations()['Bearer packaged-token-1234'], target.receivedByPath()['/'], 'every request to / carried the token');
    assert.ok(stack.kms.calls.some((call) => call.operation === 'Decrypt' && call.error === undefined), 'the packaged worker opened the sealed token');
    // The aggregator rendered report.html from the page bundle its zip ships (dist/web).
    const html = await s3Client(stack.config.connection).send(new GetObjectCommand({ Bucket: stack.bucket, Key: `runs/${started.runId}/report.html` }));
    assert.match(await html.Body!.transformToString(), /<html/i);
    assert.deepEqual(report.warnings.filter((warning) => warning.includes('report.html')), []);

    // And each zip again in a process of its own, with an invocation of every day that changes
    // nothing: the run's status, a second start of it, a late duplicate slice, a second finalising.
    const invocations = firstInvocations(started.runId, twoSteps(target.url), workers[0]!.payload as SliceTask);
    for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
      const fresh = new BundledFunction({ name: stack.functions[key], directory: bundles[key].directory, handler: handlerSetting(key), runtime, node: node.path, env: () => lambdaFunctionEnv(stack.env), timeoutS: 60 });
      try {
        invocations[key].check(await fresh.invoke(invocations[key].event, { functionName: stack.functions[key], awsRequestId: key, getRemainingTimeInMillis: () => 60_000 }));
        assert.equal(fresh.starts.length, 1);
      } finally {
        await fresh.close();
      }
    }

    // Every function ran from its zip in processes of Node 24, and printed no warning: the AWS
    // SDK's notice about old Node versions is not silenced there, and has nothing to say.
    for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
      const fn = stack.bundled![key];
      assert.ok(fn.starts.length > 0, `${key} ran`);
      assert.ok(fn.starts.every((start) => start.nodeVersion === node.version), `${key} ran on ${fn.starts.map((start) => start.nodeVersion).join(', ')}`);
      assert.doesNotMatch(fn.output, /Warning|Cannot find (package|module)/, `${key} printed:\n${fn.output}`);
    }
  } finally {
    await stack.lambda.whenIdle();
    await stack.close();
    await target.close();
  }
});

test('least privilege on the results bucket: the worker writes only step results and reads only plans; the coordinator writes plans, the aggregator reports', async () => {
  const { template } = await packagedWithDefaults();
  assert.deepEqual(s3Grants(template, 'WorkerRole'), {
    's3:PutObject': ['/runs/*/steps/*'],
    's3:PutObjectTagging': ['/runs/*/steps/*'],
    // The plan and its sealed secrets (plan.json, plan-secrets.json), nothing else: no report, no other run's results.
    's3:GetObject': ['/runs/*/plan*'],
  });
  assert.deepEqual(s3Grants(template, 'CoordinatorRole'), { 's3:PutObject': ['/runs/*/plan*'] });
  assert.deepEqual(s3Grants(template, 'AggregatorRole'), {
    's3:GetObject': ['/runs/*/plan.json', '/runs/*/steps/*'],
    's3:PutObject': ['/runs/*/report*'],
    's3:ListBucket': ['(bucket)'],
  });
  // The API's credentials sign the report links: a link opens a report (or a plan, for status), nothing else.
  assert.deepEqual(s3Grants(template, 'ApiRole'), { 's3:GetObject': ['/runs/*/plan.json', '/runs/*/report*'] });
  const list = statementsOf(template, 'AggregatorRole').find((statement) => actionsOf(statement).includes('s3:ListBucket')) as Statement & { Condition?: Json };
  assert.deepEqual(list.Condition, { StringLike: { 's3:prefix': 'runs/*' } });
  // What the code reads and writes lies inside those grants.
  assert.equal(planSecretsKey('r').startsWith('r/plan'), true);
  assert.match(`runs/${planKey('r')}`, /^runs\/r\/plan/);
  assert.match(`runs/${reportKey('r')}`, /^runs\/r\/report/);
  assert.match(`runs/${reportHtmlKey('r')}`, /^runs\/r\/report/);
  assert.match(`runs/${stepPartKey({ runId: 'r', step: 0, slice: 0, lane: 0 })}`, /^runs\/r\/steps\//);
  // Listing runs (GET /runs) reads the table's indexes; nothing else of the API changed.
  const apiQuery = statementsOf(template, 'ApiRole').filter((statement) => actionsOf(statement).includes('dynamodb:Query')).flatMap(resourcesOf);
  assert.deepEqual(apiQuery, [table, { 'Fn::Join': ['', [table, '/index/*']] }]);
});

test('run secrets: a per-stack KMS key that only the coordinator seals with and only the worker role opens', async () => {
  const { template } = await packagedWithDefaults();
  const key = template.Resources.SecretsKey!;
  assert.equal(key.Type, 'AWS::KMS::Key');
  assert.equal(key.Properties.EnableKeyRotation, true);
  interface KeyStatement extends Statement {
    Sid: string;
    Principal: Json;
    Condition?: Json;
  }
  const statements = (key.Properties.KeyPolicy as unknown as { Statement: KeyStatement[] }).Statement;
  const role = (name: string) => ({ AWS: { 'Fn::GetAtt': [name, 'Arn'] } });
  const allowed = (action: string) => statements.filter((statement) => statement.Effect === 'Allow' && actionsOf(statement).some((granted) => granted === action || (granted.endsWith('*') && action.startsWith(granted.slice(0, -1)))));
  // Using the key: one action each, one role each, and only for a run's encryption context.
  assert.deepEqual(allowed('kms:Decrypt').map((statement) => statement.Principal), [role('WorkerRole')]);
  assert.deepEqual(allowed('kms:GenerateDataKey').map((statement) => statement.Principal), [role('CoordinatorRole')]);
  for (const action of ['kms:Encrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKeyWithoutPlaintext']) assert.deepEqual(allowed(action), [], `${action} is granted`);
  for (const statement of [...allowed('kms:Decrypt'), ...allowed('kms:GenerateDataKey')]) {
    assert.deepEqual(statement.Condition, { Null: { 'kms:EncryptionContext:fanout:runId': 'false' } });
  }
  // The account administers the key (it can never be locked out) but its IAM policies cannot use it...
  const account = statements.find((statement) => JSON.stringify(statement.Principal).includes(':root'))!;
  assert.ok(actionsOf(account).includes('kms:Put*') && !actionsOf(account).includes('kms:*'));
  // ...and an explicit deny keeps anyone but the worker role from decrypting, grants included.
  const deny = statements.find((statement) => statement.Effect === 'Deny')!;
  assert.deepEqual([deny.Principal, actionsOf(deny)], ['*', ['kms:Decrypt', 'kms:ReEncryptFrom']]);
  assert.deepEqual(deny.Condition, { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': ['WorkerRole', 'Arn'] } } });
  // No role's own policy touches KMS: the key policy alone decides.
  for (const name of ['ApiRole', 'CoordinatorRole', 'WorkerRole', 'AggregatorRole']) {
    assert.deepEqual(statementsOf(template, name).flatMap(actionsOf).filter((action) => action.startsWith('kms:')), [], name);
  }
  // The coordinator and the worker find the key in their environment.
  for (const fn of ['CoordinatorLambdaFunction', 'WorkerLambdaFunction']) {
    const env = (template.Resources[fn]!.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    assert.deepEqual(env.FANOUT_SECRETS_KEY_ID, { 'Fn::GetAtt': ['SecretsKey', 'Arn'] });
  }
});

test('the stack limits and point-in-time recovery are deploy params with safe defaults, in the functions\' environment', async () => {
  const defaults = (await packagedWithDefaults()).template;
  const envOf = (template: Template, fn: string) => (template.Resources[fn]!.Properties.Environment as { Variables: Record<string, Json> }).Variables;
  for (const fn of ['ApiLambdaFunction', 'CoordinatorLambdaFunction']) {
    const limits = stackLimitsFromEnv(Object.fromEntries(Object.entries(envOf(defaults, fn)).map(([name, value]) => [name, String(value)])));
    assert.equal(limits.maxRunDurationMs, 3_600_000);
    assert.equal(limits.maxWorkersPerRun, 200);
    assert.equal(limits.maxCostPerRunUsd, 10);
    assert.deepEqual(limits.concurrencyHeadroom, { percent: 20 });
    assert.deepEqual(limits.allowedTargets, []);
    assert.equal(limits.workerMemoryMb, 1024);
    assert.equal(limits.architecture, 'arm64');
    for (const name of Object.keys(stackLimitsEnvSchema.shape)) assert.ok(name in envOf(defaults, fn), `${fn} lacks ${name}`);
  }
  assert.deepEqual(defaults.Resources.RunsTable!.Properties.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });

  const { template } = await packageStack([
    'maxRunDuration=30m',
    'maxWorkersPerRun=25',
    'maxCostPerRun=2.5',
    'concurrencyHeadroom=100',
    'allowedTargets=*.internal.example.com,10.0.*',
    'pointInTimeRecovery=false',
    'workerMemory=2048',
  ]);
  const limits = stackLimitsFromEnv(Object.fromEntries(Object.entries(envOf(template, 'ApiLambdaFunction')).map(([name, value]) => [name, String(value)])));
  assert.equal(limits.maxRunDurationMs, 1_800_000);
  assert.equal(limits.maxWorkersPerRun, 25);
  assert.equal(limits.maxCostPerRunUsd, 2.5);
  assert.deepEqual(limits.concurrencyHeadroom, { executions: 100 });
  assert.deepEqual(limits.allowedTargets.map((pattern) => pattern.text), ['*.internal.example.com', '10.0.*']);
  assert.equal(limits.workerMemoryMb, 2048);
  assert.equal(String((template.Resources.RunsTable!.Properties.PointInTimeRecoverySpecification as JsonObject).PointInTimeRecoveryEnabled), 'false');
});
