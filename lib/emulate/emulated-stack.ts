import { envForStackLimits, stackLimitsFromEnv, type StackLimits } from '../guard/stack-limits.js';
import { FUNCTIONS, functionName, type FunctionKey } from '../lambda/function-specs.js';
import { envForRuntimeConfig, type RuntimeConfig } from '../lambda/runtime-config.js';
import { BundledFunction } from './bundled-function.js';
import { EMULATOR_CREDENTIALS, EMULATOR_CREDENTIALS_ENV } from './emulator-credentials.js';
import { HttpApiEmulator } from './http-api-emulator.js';
import { KmsEmulator } from './kms-emulator.js';
import { LambdaEmulator, type EmulatedHandler } from './lambda-emulator.js';
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
  /** The stack's limits on a run (serverless.yml's params); the deployed defaults when left out. */
  limits?: Partial<StackLimits>;
  log?: (message: string) => void;
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
  close(): Promise<void>;
}

const SERVICE = 'fanout';
const STAGE = 'emulated';

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

/** The functions as packaged, each in its own processes of the runtime's node. */
function bundledFunctions(
  bundles: NonNullable<EmulatedStackOptions['bundles']>,
  names: Record<FunctionKey, string>,
  env: () => Record<string, string>,
  log: ((message: string) => void) | undefined,
): Record<FunctionKey, BundledFunction> {
  const functionEnv = () => lambdaFunctionEnv(env());
  const entries = (Object.keys(FUNCTIONS) as FunctionKey[]).map((key) => [
    key,
    new BundledFunction({
      name: names[key],
      directory: bundles.directories[key],
      handler: handlerSetting(key),
      runtime: bundles.runtime,
      node: bundles.node,
      env: functionEnv,
      timeoutS: FUNCTIONS[key].timeoutS,
      log,
    }),
  ]);
  return Object.fromEntries(entries) as Record<FunctionKey, BundledFunction>;
}

/**
 * fanout's AWS stack on 127.0.0.1: s3rver and dynalite (results bucket, runs table), the Lambda
 * Invoke API running the real handlers (of functions/ in this process, or with `bundles` the
 * deployment packages in child processes), and the HTTP API in front of the api function. The
 * in-process functions read their configuration from this process's environment, as on Lambda, so
 * the stack sets it (and emulator credentials): one stack per process at a time.
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
  const keys = Object.keys(FUNCTIONS) as FunctionKey[];
  // The bundled functions start their processes on their first invocation, by then with the
  // environment below (it holds the Lambda emulator's endpoint, known once it listens).
  let functionEnv: Record<string, string> | undefined;
  const bundled = options.bundles && bundledFunctions(options.bundles, functions, () => functionEnv!, options.log);
  const handlers = bundled ? keys.map((key) => bundled[key].handler) : await Promise.all(keys.map(loadHandler));
  const lambda = new LambdaEmulator({
    functions: keys.map((key, index) => ({ name: functions[key], handler: handlers[index]!, timeoutS: FUNCTIONS[key].timeoutS })),
    unreservedConcurrency: options.unreservedConcurrency,
    reservedConcurrency: options.workerReservedConcurrency === undefined ? {} : { [functions.worker]: options.workerReservedConcurrency },
    log: options.log,
  });
  let api: HttpApiEmulator | undefined;
  const kms = new KmsEmulator(region);
  try {
    const kmsEndpoint = await kms.start(0);
    const lambdaEndpoint = await lambda.start(options.ports?.lambda ?? 0);
    const config: RuntimeConfig = {
      connection: { region, endpoints: { s3: storage.s3Endpoint, dynamodb: storage.dynamodbEndpoint, lambda: lambdaEndpoint } },
      bucket: storage.bucket,
      table: storage.table,
      functions: { worker: functions.worker, aggregator: functions.aggregator, coordinator: functions.coordinator },
      workerTimeoutMs: FUNCTIONS.worker.timeoutS * 1000,
      barrierMs: options.barrierMs ?? (options.bundles ? 4000 : 1500),
      stragglerGraceMs: options.stragglerGraceMs ?? 10_000,
      retentionDays: 1,
      watchPollMs: options.watchPollMs ?? 1000,
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

    api = new HttpApiEmulator({
      region,
      known: EMULATOR_CREDENTIALS,
      invokeApi: async (event) => {
        const invocation = await lambda.invokeByName(functions.api, event);
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
      close: async () => {
        await httpApi.close();
        await lambda.close();
        await closeBundled(bundled);
        await kms.close();
        await storage.close();
      },
    };
  } catch (error) {
    await api?.close();
    await kms.close();
    await lambda.close();
    await closeBundled(bundled);
    await storage.close();
    throw error;
  }
}

async function closeBundled(bundled: Record<FunctionKey, BundledFunction> | undefined): Promise<void> {
  if (bundled) await Promise.all(Object.values(bundled).map((fn) => fn.close()));
}
