import { FUNCTIONS, functionName, type FunctionKey } from '../lambda/function-specs.js';
import { envForRuntimeConfig, type RuntimeConfig } from '../lambda/runtime-config.js';
import { EMULATOR_CREDENTIALS, EMULATOR_CREDENTIALS_ENV } from './emulator-credentials.js';
import { HttpApiEmulator } from './http-api-emulator.js';
import { LambdaEmulator, type EmulatedHandler } from './lambda-emulator.js';
import { startStorageEmulators, type StorageEmulators } from './storage-emulators.js';

export interface EmulatedStackOptions {
  region?: string;
  /** The start barrier; short here, since no cold start has to fit in it. */
  barrierMs?: number;
  stragglerGraceMs?: number;
  watchPollMs?: number;
  unreservedConcurrency?: number;
  workerReservedConcurrency?: number;
  /** Fixed ports (0: any free port). */
  ports?: { api?: number; lambda?: number };
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

/**
 * fanout's AWS stack on 127.0.0.1: s3rver and dynalite (results bucket, runs table), the Lambda
 * Invoke API running the real handlers of functions/ in this process, and the HTTP API in front of
 * the api function. The functions read their configuration from this process's environment, as on
 * Lambda, so the stack sets it (and emulator credentials): one stack per process at a time.
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
  const handlers = await Promise.all(keys.map(loadHandler));
  const lambda = new LambdaEmulator({
    functions: keys.map((key, index) => ({ name: functions[key], handler: handlers[index]!, timeoutS: FUNCTIONS[key].timeoutS })),
    unreservedConcurrency: options.unreservedConcurrency,
    reservedConcurrency: options.workerReservedConcurrency === undefined ? {} : { [functions.worker]: options.workerReservedConcurrency },
    log: options.log,
  });
  let api: HttpApiEmulator | undefined;
  try {
    const lambdaEndpoint = await lambda.start(options.ports?.lambda ?? 0);
    const config: RuntimeConfig = {
      connection: { region, endpoints: { s3: storage.s3Endpoint, dynamodb: storage.dynamodbEndpoint, lambda: lambdaEndpoint } },
      bucket: storage.bucket,
      table: storage.table,
      functions: { worker: functions.worker, aggregator: functions.aggregator, coordinator: functions.coordinator },
      workerTimeoutMs: FUNCTIONS.worker.timeoutS * 1000,
      barrierMs: options.barrierMs ?? 1500,
      stragglerGraceMs: options.stragglerGraceMs ?? 10_000,
      retentionDays: 1,
      watchPollMs: options.watchPollMs ?? 1000,
    };
    const env = {
      ...envForRuntimeConfig(config),
      ...EMULATOR_CREDENTIALS_ENV,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    Object.assign(process.env, env);

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
      env,
      close: async () => {
        await httpApi.close();
        await lambda.close();
        await storage.close();
      },
    };
  } catch (error) {
    await api?.close();
    await lambda.close();
    await storage.close();
    throw error;
  }
}
