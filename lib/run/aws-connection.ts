import { z } from 'zod';
import { defaultCredentials, findDeployedStack } from '../adapters/aws/deployed-stack.js';
import { FanoutApiClient } from '../api/api-client.js';
import type { AwsCredentials } from '../aws-http/sign-request.js';
import { InputError, problemsFromZod } from '../config/input-error.js';
import { EMULATOR_CREDENTIALS } from '../emulate/emulator-credentials.js';
import type { Architecture } from '../cost/estimate-cost.js';

/** The CLI's flags for reaching a deployed (or emulated) stack, as commander hands them over. */
export interface AwsFlags {
  api?: string;
  stack?: string;
  region?: string;
  workerMemory?: string;
  architecture?: string;
}

const FLAG_NAMES: Record<string, string> = {
  api: '--api',
  stack: '--stack',
  region: '--region',
  workerMemory: '--worker-memory',
  architecture: '--architecture',
};

const awsFlagsSchema = z.object({
  api: z
    .url({ protocol: /^https?$/, message: 'expected the HTTP API URL (http or https), e.g. the stack output HttpApiUrl' })
    .optional(),
  stack: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'expected a CloudFormation stack name').optional(),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region such as us-east-1').optional(),
  workerMemory: z.coerce.number().int('expected whole megabytes').min(128).max(10_240).optional(),
  architecture: z.enum(['arm64', 'x86_64']).optional(),
});

export interface AwsConnectionInfo {
  client: FanoutApiClient;
  apiUrl: string;
  region: string;
  /** For the cost estimate: the deployed worker's size, else the flags', else serverless.yml's defaults. */
  workerMemoryMb: number;
  architecture: Architecture;
}

export const DEFAULT_STACK_STAGE = 'dev';

/**
 * The default credential chain; for an API on this machine (an emulated stack) without any AWS
 * credentials, the emulator's key, whose signatures the emulated API recomputes and checks.
 */
function credentialsFor(apiUrl: string, region: string): () => Promise<AwsCredentials> {
  const fromChain = defaultCredentials(region);
  const host = new URL(apiUrl).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') return fromChain;
  return () => fromChain().catch(() => EMULATOR_CREDENTIALS);
}

/** `https://abc.execute-api.eu-west-1.amazonaws.com` → eu-west-1. */
function regionOfApi(url: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(new URL(url).host)?.[1];
}

/**
 * Finds the API to talk to: `--api URL` as given, or the stack's outputs (`--stack`, default
 * fanout-dev) through CloudFormation, with the default credential chain and `--region`.
 */
export async function connectAws(flags: AwsFlags, env: Record<string, string | undefined> = process.env): Promise<AwsConnectionInfo> {
  const parsed = awsFlagsSchema.safeParse(flags);
  if (!parsed.success) throw new InputError(problemsFromZod(parsed.error, (path) => FLAG_NAMES[path] ?? path));
  const options = parsed.data;
  if (options.api && options.stack) throw new InputError([{ field: '--api', message: 'give --api or --stack, not both' }]);
  const region = options.region ?? (options.api ? regionOfApi(options.api) : undefined) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const stack = options.api ? undefined : await findDeployedStack(options.stack ?? `fanout-${DEFAULT_STACK_STAGE}`, region);
  const apiUrl = options.api ?? stack!.apiUrl;
  return {
    client: new FanoutApiClient({ baseUrl: apiUrl, region, credentials: credentialsFor(apiUrl, region) }),
    apiUrl,
    region,
    workerMemoryMb: options.workerMemory ?? stack?.workerMemoryMb ?? 1024,
    architecture: options.architecture ?? stack?.architecture ?? 'arm64',
  };
}
