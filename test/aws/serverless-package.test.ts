import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunsTableInput, RUNS_TABLE } from '../../lib/adapters/aws/runs-table.js';
import { SLICE_TAG } from '../../lib/adapters/aws/s3-blob-store.js';
import { API_ROUTES, routeKeyOf } from '../../lib/api/routes.js';
import { FUNCTIONS, type FunctionKey } from '../../lib/lambda/function-specs.js';
import { runtimeEnvSchema } from '../../lib/lambda/runtime-config.js';
import { tempDir } from '../helpers/run-helpers.js';

/**
 * `sls package` (osls; no credentials, no network) and the CloudFormation template it writes:
 * what `sls deploy` would create, checked resource by resource.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SLS = createRequire(import.meta.url).resolve('osls/bin/serverless.js');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
interface Template {
  Conditions?: Record<string, Json>;
  Resources: Record<string, { Type: string; Properties: JsonObject; Condition?: string }>;
  Outputs: Record<string, JsonObject>;
}

async function slsPackage(params: string[]): Promise<{ template: Template; dir: string }> {
  const dir = await tempDir('fanout-sls-');
  const env: NodeJS.ProcessEnv = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  // No credentials at all: packaging must not need them.
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[name];
  env.AWS_CONFIG_FILE = join(dir, 'no-config');
  env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'no-credentials');
  const child = spawn(process.execPath, [SLS, 'package', '--stage', 'test', '--region', 'eu-west-1', '--package', dir, ...params], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, `sls package failed:\n${output}`);
  const template = JSON.parse(await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  return { template, dir };
}

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
const underRuns = { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['ResultsBucket', 'Arn'] }, '/runs/*']] };
const table = { 'Fn::GetAtt': ['RunsTable', 'Arn'] };

test('sls package, with no credentials and no VPC params: functions, IAM-authorised routes, bucket, table, least-privilege roles', async () => {
  const { template, dir } = await slsPackage([]);
  const resources = template.Resources;

  // The four functions, Node 20 on arm64, each with its own role and timeout.
  for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
    const fn = resources[logicalId(key)];
    assert.ok(fn, `function ${key}`);
    assert.equal(fn.Properties.Runtime, 'nodejs20.x');
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
    // Bundled per function, the SDK left to the runtime: small.
    const zip = await stat(join(dir, `${key}.zip`));
    assert.ok(zip.size < 2_000_000, `${key}.zip is ${zip.size} bytes`);
    assert.ok((await readFile(join(dir, `${key}.zip`))).includes(`functions/${key}.mjs`));
  }
  assert.equal(resources.WorkerLambdaFunction!.Properties.MemorySize, 1024);

  // Async retries off on the worker (a failed slice must not triple its load).
  const invokeConfigs = Object.values(resources).filter((resource) => resource.Type === 'AWS::Lambda::EventInvokeConfig');
  const workerConfig = invokeConfigs.find((resource) => JSON.stringify(resource.Properties.FunctionName) === JSON.stringify({ Ref: 'WorkerLambdaFunction' }));
  assert.equal(workerConfig?.Properties.MaximumRetryAttempts, 0);

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

  // The worker: puts only under runs/, writes only the runs table, invokes only the worker and aggregator.
  const worker = statementsOf(template, 'WorkerRole');
  const s3 = worker.filter((statement) => actionsOf(statement).some((action) => action.startsWith('s3:')));
  assert.ok(s3.every((statement) => JSON.stringify(resourcesOf(statement)) === JSON.stringify([underRuns])));
  assert.ok(s3.some((statement) => actionsOf(statement).includes('s3:PutObject')));
  const dynamo = worker.filter((statement) => actionsOf(statement).some((action) => action.startsWith('dynamodb:')));
  assert.ok(dynamo.length > 0 && dynamo.every((statement) => JSON.stringify(resourcesOf(statement)) === JSON.stringify([table])));
  const invoke = worker.filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'));
  assert.deepEqual(invoke.flatMap(resourcesOf), [functionArn('fanout-test-worker'), functionArn('fanout-test-aggregator')]);
  // The API may start runs (the coordinator) and finalise them (the aggregator), nothing else.
  const apiInvoke = statementsOf(template, 'ApiRole').filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'));
  assert.deepEqual(apiInvoke.flatMap(resourcesOf), [functionArn('fanout-test-coordinator'), functionArn('fanout-test-aggregator')]);
  // The coordinator reads the quotas it checks.
  const coordinatorActions = statementsOf(template, 'CoordinatorRole').flatMap(actionsOf);
  assert.ok(coordinatorActions.includes('lambda:GetAccountSettings') && coordinatorActions.includes('lambda:GetFunctionConcurrency'));

  assert.ok(template.Outputs.HttpApiUrl, 'the CLI finds the API by this output');
  assert.ok(template.Outputs.WorkerFunctionName);
});

test('sls package with the VPC params attaches the worker (only) to those subnets and security groups', async () => {
  const { template } = await slsPackage([
    '--param=vpcSubnetIds=subnet-a,subnet-b',
    '--param=vpcSecurityGroupIds=sg-x',
    '--param=workerMemory=2048',
    '--param=architecture=x86_64',
  ]);
  const resources = template.Resources;
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
});
