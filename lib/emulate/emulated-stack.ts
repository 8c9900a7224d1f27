import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { AwsConnection } from '../adapters/aws/aws-clients.js';
import { envForStackLimits, stackLimitsFromEnv, type StackLimits } from '../guard/stack-limits.js';
import { FUNCTIONS, FUNCTIONS_WITH_FAILURE_DESTINATION, functionName, type FunctionKey } from '../lambda/function-specs.js';
import { envForRuntimeConfig, type RuntimeConfig } from '../lambda/runtime-config.js';
import { BundledFunction } from './bundled-function.js';
import { EMULATOR_CREDENTIALS, EMULATOR_CREDENTIALS_ENV } from './emulator-credentials.js';
import { FaultDice } from './fault-dice.js';
import { injectedInvocationFaults } from './fault-injection.js';
import { startFaultProxy, type FaultProxy, type FaultProxyCounts } from './fault-proxy.js';
import { functionsToKill, NO_FAULTS, type FaultPlan } from './fault-spec.js';
import { HttpApiEmulator } from './http-api-emulator.js';
import { KmsEmulator } from './kms-emulator.js';
import { LambdaEmulator, type AsyncFailureRecord, type EmulatedHandler } from './lambda-emulator.js';
import { startStorageEmulators, type StorageEmulators } from './storage-emulators.js';

export interface EmulatedStackOptions {
  region?: string;
  /** The start barrier; short here, since no cold start has to fit in it (4 s with `bundles`, whose first invocations start processes). */
  barrierMs?: number;
  stragglerGraceMs?: number;
  watchPollMs?: number;
  unreservedConcurrency?: number;
  workerReservedConcurrency?: number;
  /** Fixed ports (0: any free port). */
  ports?: { api?: number; lambda?: number };
  /**
   * Run the deployable artifacts instead of functions/ in this process: each function from its
   * unpacked `sls package` zip (its task root), in child processes of `node` standing in for the
   * Lambda `runtime` (see bundled-function.ts).
   */
  bundles?: { directories: Record<FunctionKey, string>; runtime: string; node: string };
  /**
   * Functions run from this build (dist/functions) in child processes, one per execution
   * environment as Lambda has them, rather than in this process: an environment can then be
   * killed mid-invocation. A fault that kills a function adds it.
   */
  processes?: FunctionKey[];
  /** Faults to inject (fault-spec.ts; `npm run emulate -- --fault`). */
  faults?: FaultPlan;
  /** Seeds the faults' dice: the same seed fails the same calls. */
  faultSeed?: number;
  /** Lambda's waits before retrying a failed Event invocation (on AWS about 1 min, then 2 min). */
  retryDelaysMs?: number[];
  /** How long a planned slice's claim may take before the run's supervisor invokes the slice itself. */
  claimGraceMs?: number;
  /** How far ahead a lane's next slice is invoked (on AWS 10 s). */
  chainLeadMs?: number;
  finalizeLeaseMs?: number;
  /** The stack's limits on a run (serverless.yml's params); the deployed defaults when left out. */
  limits?: Partial<StackLimits>;
  log?: (message: string) => void;
}

/** What the injected faults did so far, for a test to see that they were there. */
export interface FaultCounts {
  s3?: FaultProxyCounts;
  dynamodb?: FaultProxyCounts;
  lambdaThrottled: number;
  apiFailed: number;
}

export interface EmulatedStack {
  apiUrl: string;
  lambdaEndpoint: string;
  s3Endpoint: string;
  dynamodbEndpoint: string;
  region: string;
  bucket: string;
  table: string;
  functions: Record<FunctionKey, string>;
  config: RuntimeConfig;
  lambda: LambdaEmulator;
  /** The stack's secrets key (serverless.yml's SecretsKey). */
  kms: KmsEmulator;
  /** With the `bundles` option: the functions running from their packages. */
  bundled?: Record<FunctionKey, BundledFunction>;
  /** The environment the functions run with here (and a client of the stack needs). */
  env: Record<string, string>;
  /** S3 and DynamoDB without the fault proxies: for a test to read what the stack wrote. */
  storageConnection: AwsConnection;
  faultCounts(): FaultCounts;
  close(): Promise<void>;
}

const SERVICE = 'fanout';
const STAGE = 'emulated';
/** serverless.yml's on-failure queue of the worker and the aggregator. */
export const FAILED_INVOCATIONS_QUEUE = `${SERVICE}-${STAGE}-failed-invocations`;
/** Lambda waits about a minute and then two before its retries; here a second and two. */
const EMULATED_RETRY_DELAYS_MS = [1000, 2000];
/** This build's root (dist/): dist/functions/<name>.js, with the repository's node_modules above. */
const BUILD_ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function loadHandler(key: FunctionKey): Promise<EmulatedHandler> {
  const module = (await import(new URL(`../../functions/${key}.js`, import.meta.url).href)) as { handler: EmulatedHandler };
  return module.handler;
}

/** serverless.yml's `handler` of each function. */
export const handlerSetting = (key: FunctionKey) => `functions/${key}.handler`;

/**
 * The environment of the stack's functions as Lambda would set it, without the switch that
 * silences the AWS SDK's warning about old Node versions: on the Lambda runtime there must be
 * nothing to silence.
 */
export function lambdaFunctionEnv(env: Record<string, string>): Record<string, string> {
  const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _, ...rest } = env;
  return rest;
}

/**
 * The functions as packaged, each in its own processes of the runtime's node; or, without
 * packages, the chosen ones from this build in processes of this node. Each process's SDK names
 * its function in its user agent (AWS_SDK_UA_APP_ID), so that the Lambda emulator knows who calls.
 */
function processFunctions(
  keys: FunctionKey[],
  bundles: EmulatedStackOptions['bundles'],
  names: Record<FunctionKey, string>,
  env: () => Record<string, string>,
  log: ((message: string) => void) | undefined,
): Partial<Record<FunctionKey, BundledFunction>> {
  const entries = keys.map((key) => [
    key,
    new BundledFunction({
      name: names[key],
      directory: bundles ? bundles.directories[key] : BUILD_ROOT,
      handler: handlerSetting(key),
      runtime: bundles?.runtime ?? `nodejs${process.versions.node.split('.')[0]}.x`,
      node: bundles?.node ?? process.execPath,
      env: () => ({ ...(bundles ? lambdaFunctionEnv(env()) : env()), AWS_SDK_UA_APP_ID: names[key] }),
      timeoutS: FUNCTIONS[key].timeoutS,
      log,
    }),
  ]);
  return Object.fromEntries(entries) as Partial<Record<FunctionKey, BundledFunction>>;
}

/** An on-failure record as the SQS event source mapping hands it to its consumer. */
function sqsEventOf(record: AsyncFailureRecord, region: string): unknown {
  const body = JSON.stringify(record);
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: randomUUID(),
        body,
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
        messageAttributes: {},
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${region}:000000000000:${FAILED_INVOCATIONS_QUEUE}`,
        awsRegion: region,
      },
    ],
  };
}

/**
 * fanout's AWS stack on 127.0.0.1: s3rver and dynalite (results bucket, runs table), the Lambda
 * Invoke API running the real handlers (of functions/ in this process; with `bundles` the
 * deployment packages in child processes; with `processes`, or a fault that kills a function, that
 * function from this build in child processes), and the HTTP API in front of the api function.
 * With `faults`, S3 and DynamoDB sit behind fault proxies and the emulators misbehave as asked
 * (fault-spec.ts). The in-process functions read their configuration from this process's
 * environment, as on Lambda, so the stack sets it (and emulator credentials): one stack per
 * process at a time.
 */
export async function startEmulatedStack(options: EmulatedStackOptions = {}): Promise<EmulatedStack> {
  const region = options.region ?? 'us-east-1';
  const functions = {
    api: functionName(SERVICE, STAGE, 'api'),
    coordinator: functionName(SERVICE, STAGE, 'coordinator'),
    worker: functionName(SERVICE, STAGE, 'worker'),
    aggregator: functionName(SERVICE, STAGE, 'aggregator'),
  };
  // The functions' SDK clients find these through the default credential chain, as on Lambda.
  Object.assign(process.env, EMULATOR_CREDENTIALS_ENV, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  delete process.env.AWS_SESSION_TOKEN;
  const storage: StorageEmulators = await startStorageEmulators({ region, bucket: `${SERVICE}-${STAGE}-results`, table: `${SERVICE}-${STAGE}-runs` });
  const faults = options.faults ?? NO_FAULTS;
  const seed = options.faultSeed ?? 1;
  const storageConnection: AwsConnection = { region, endpoints: { s3: storage.s3Endpoint, dynamodb: storage.dynamodbEndpoint } };
  const keys = Object.keys(FUNCTIONS) as FunctionKey[];
  // The functions in processes start them on their first invocation, by then with the
  // environment below (it holds the Lambda emulator's endpoint, known once it listens).
  let functionEnv: Record<string, string> | undefined;
  const killable: FunctionKey[] = functionsToKill(faults);
  const inProcesses = options.bundles ? keys : keys.filter((key) => options.processes?.includes(key) || killable.includes(key));
  const processes = processFunctions(inProcesses, options.bundles, functions, () => functionEnv!, options.log);
  const bundled = options.bundles ? (processes as Record<FunctionKey, BundledFunction>) : undefined;
  const handlers = await Promise.all(keys.map(async (key) => processes[key]?.handler ?? loadHandler(key)));
  const counts = { lambdaThrottled: 0, apiFailed: 0 };
  const proxies: { s3?: FaultProxy; dynamodb?: FaultProxy } = {};
  let lambda: LambdaEmulator | undefined;
  const deliverFailure = async (record: AsyncFailureRecord) => {
    // The queue's consumer is the aggregator (serverless.yml's sqs event), invoked as the event source mapping does.
    const consumer = await lambda!.invokeByName(functions.aggregator, sqsEventOf(record, region));
    if (consumer.error !== undefined) throw new Error(consumer.error);
  };
  lambda = new LambdaEmulator({
    functions: keys.map((key, index) => ({
      name: functions[key],
      handler: handlers[index]!,
      timeoutS: FUNCTIONS[key].timeoutS,
      ...(FUNCTIONS[key].asyncRetries === undefined ? {} : { asyncRetries: FUNCTIONS[key].asyncRetries }),
      ...(FUNCTIONS_WITH_FAILURE_DESTINATION.includes(key) ? { onFailure: deliverFailure } : {}),
    })),
    region,
    unreservedConcurrency: options.unreservedConcurrency,
    reservedConcurrency: options.workerReservedConcurrency === undefined ? {} : { [functions.worker]: options.workerReservedConcurrency },
    retryDelaysMs: options.retryDelaysMs ?? EMULATED_RETRY_DELAYS_MS,
    faults: injectedInvocationFaults(faults, { functions, seed, storage: storageConnection, bucket: storage.bucket, counts, log: options.log }),
    log: options.log,
  });
  let api: HttpApiEmulator | undefined;
  const kms = new KmsEmulator(region);
  try {
    if (faults.s3Error > 0) proxies.s3 = await startFaultProxy({ service: 's3', upstream: storage.s3Endpoint, errorRate: faults.s3Error, seed });
    if (faults.dynamodbThrottle > 0 || faults.dynamodbLostResponse > 0) {
      proxies.dynamodb = await startFaultProxy({
        service: 'dynamodb',
        upstream: storage.dynamodbEndpoint,
        errorRate: faults.dynamodbThrottle,
        lostResponseRate: faults.dynamodbLostResponse,
        seed,
      });
    }
    const kmsEndpoint = await kms.start(0);
    const lambdaEndpoint = await lambda.start(options.ports?.lambda ?? 0);
    const config: RuntimeConfig = {
      connection: {
        region,
        endpoints: { s3: proxies.s3?.url ?? storage.s3Endpoint, dynamodb: proxies.dynamodb?.url ?? storage.dynamodbEndpoint, lambda: lambdaEndpoint },
      },
      bucket: storage.bucket,
      table: storage.table,
      functions: { worker: functions.worker, aggregator: functions.aggregator, coordinator: functions.coordinator },
      workerTimeoutMs: FUNCTIONS.worker.timeoutS * 1000,
      // A worker in a process of its own has a cold start (~1.5 s here) to fit before the barrier and its claim.
      barrierMs: options.barrierMs ?? (inProcesses.includes('worker') ? 4000 : 1500),
      stragglerGraceMs: options.stragglerGraceMs ?? 10_000,
      retentionDays: 1,
      watchPollMs: options.watchPollMs ?? 1000,
      claimGraceMs: options.claimGraceMs ?? (inProcesses.includes('worker') ? 3000 : 2000),
      finalizeLeaseMs: options.finalizeLeaseMs ?? 60_000,
      chainLeadMs: options.chainLeadMs ?? 3000,
    };
    const env = {
      ...envForRuntimeConfig(config),
      ...envForStackLimits({ ...stackLimitsFromEnv({}), ...options.limits }),
      FANOUT_SECRETS_KEY_ID: kms.keyArn,
      FANOUT_KMS_ENDPOINT: kmsEndpoint,
      ...EMULATOR_CREDENTIALS_ENV,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    Object.assign(process.env, env);
    functionEnv = env;

    const apiDice = new FaultDice(seed, 'api');
    const emulator = lambda;
    api = new HttpApiEmulator({
      region,
      known: EMULATOR_CREDENTIALS,
      failRequest: () => {
        const fail = apiDice.roll(faults.apiError);
        if (fail) counts.apiFailed++;
        return fail;
      },
      invokeApi: async (event) => {
        const invocation = await emulator.invokeByName(functions.api, event);
        if (invocation.error !== undefined) throw new Error(invocation.error);
        return invocation.result;
      },
    });
    const apiUrl = await api.start(options.ports?.api ?? 0);
    const httpApi = api;
    return {
      apiUrl,
      lambdaEndpoint,
      s3Endpoint: storage.s3Endpoint,
      dynamodbEndpoint: storage.dynamodbEndpoint,
      region,
      bucket: storage.bucket,
      table: storage.table,
      functions,
      config,
      lambda,
      kms,
      ...(bundled ? { bundled } : {}),
      env,
      storageConnection,
      faultCounts: () => ({
        ...(proxies.s3 ? { s3: { ...proxies.s3.counts } } : {}),
        ...(proxies.dynamodb ? { dynamodb: { ...proxies.dynamodb.counts } } : {}),
        ...counts,
      }),
      close: async () => {
        await httpApi.close();
        await emulator.close();
        await closeProcesses(processes);
        await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
        await kms.close();
        await storage.close();
      },
    };
  } catch (error) {
    await api?.close();
    await kms.close();
    await lambda.close();
    await closeProcesses(processes);
    await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
    await storage.close();
    throw error;
  }
}

async function closeProcesses(processes: Partial<Record<FunctionKey, BundledFunction>>): Promise<void> {
  await Promise.all(Object.values(processes).map((fn) => fn.close()));
}
