import { z } from 'zod';
import type { AwsConnection } from '../adapters/aws/aws-clients.js';

/**
 * What the Lambda functions read from their environment (serverless.yml sets it; an emulated stack
 * sets the same names plus local endpoints). Validated, so that a deployment missing a variable
 * fails on its first invocation with the variable's name.
 */
const optionalUrl = z.url().optional();
const positiveNumber = z.coerce.number().positive();

export const runtimeEnvSchema = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  FANOUT_BUCKET: z.string().min(1),
  FANOUT_TABLE: z.string().min(1),
  FANOUT_WORKER_FUNCTION: z.string().min(1),
  FANOUT_AGGREGATOR_FUNCTION: z.string().min(1),
  FANOUT_COORDINATOR_FUNCTION: z.string().min(1),
  /** The worker's configured timeout: a slice, its wait and its drain must fit in it. */
  FANOUT_WORKER_TIMEOUT_S: positiveNumber.default(900),
  /** How far ahead of the fan-out the start barrier is set (cold starts must fit in it). */
  FANOUT_BARRIER_MS: positiveNumber.default(10_000),
  /** After the planned end and the drain, how long stragglers get before the run is finalised without them. */
  FANOUT_STRAGGLER_GRACE_MS: positiveNumber.default(60_000),
  FANOUT_RETENTION_DAYS: positiveNumber.default(90),
  /** How often the run's supervisor looks at the run (lost slices, complete steps, the deadline). */
  FANOUT_WATCH_POLL_MS: positiveNumber.default(5000),
  /** How long a planned slice's claim may take (a cold start) before the supervisor invokes the slice itself. */
  FANOUT_CLAIM_GRACE_MS: positiveNumber.default(5000),
  /** How long the finalisation lock holds if its holder dies (an aggregator cannot run longer than 15 min). */
  FANOUT_FINALIZE_LEASE_MS: positiveNumber.default(300_000),
  /** How far ahead a lane's next slice is invoked; the plan's own default (10 s) when unset. */
  FANOUT_CHAIN_LEAD_MS: positiveNumber.optional(),
  /** Emulator endpoints; never set on AWS. */
  FANOUT_S3_ENDPOINT: optionalUrl,
  FANOUT_DYNAMODB_ENDPOINT: optionalUrl,
  FANOUT_LAMBDA_ENDPOINT: optionalUrl,
});

export type RuntimeEnv = z.infer<typeof runtimeEnvSchema>;

export interface RuntimeConfig {
  connection: AwsConnection;
  bucket: string;
  table: string;
  functions: { worker: string; aggregator: string; coordinator: string };
  workerTimeoutMs: number;
  barrierMs: number;
  stragglerGraceMs: number;
  retentionDays: number;
  watchPollMs: number;
  claimGraceMs: number;
  finalizeLeaseMs: number;
  chainLeadMs?: number;
}

export function runtimeConfigFromEnv(env: Record<string, string | undefined>): RuntimeConfig {
  const parsed = runtimeEnvSchema.safeParse(env);
  if (!parsed.success) {
    const names = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`fanout function environment is incomplete: ${names}`);
  }
  const e = parsed.data;
  const endpoints = {
    ...(e.FANOUT_S3_ENDPOINT ? { s3: e.FANOUT_S3_ENDPOINT } : {}),
    ...(e.FANOUT_DYNAMODB_ENDPOINT ? { dynamodb: e.FANOUT_DYNAMODB_ENDPOINT } : {}),
    ...(e.FANOUT_LAMBDA_ENDPOINT ? { lambda: e.FANOUT_LAMBDA_ENDPOINT } : {}),
  };
  return {
    connection: { region: e.AWS_REGION, ...(Object.keys(endpoints).length > 0 ? { endpoints } : {}) },
    bucket: e.FANOUT_BUCKET,
    table: e.FANOUT_TABLE,
    functions: { worker: e.FANOUT_WORKER_FUNCTION, aggregator: e.FANOUT_AGGREGATOR_FUNCTION, coordinator: e.FANOUT_COORDINATOR_FUNCTION },
    workerTimeoutMs: e.FANOUT_WORKER_TIMEOUT_S * 1000,
    barrierMs: e.FANOUT_BARRIER_MS,
    stragglerGraceMs: e.FANOUT_STRAGGLER_GRACE_MS,
    retentionDays: e.FANOUT_RETENTION_DAYS,
    watchPollMs: e.FANOUT_WATCH_POLL_MS,
    claimGraceMs: e.FANOUT_CLAIM_GRACE_MS,
    finalizeLeaseMs: e.FANOUT_FINALIZE_LEASE_MS,
    ...(e.FANOUT_CHAIN_LEAD_MS === undefined ? {} : { chainLeadMs: e.FANOUT_CHAIN_LEAD_MS }),
  };
}

/** The environment that configures a function with `config` (what an emulated stack sets). */
export function envForRuntimeConfig(config: RuntimeConfig): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: config.connection.region,
    FANOUT_BUCKET: config.bucket,
    FANOUT_TABLE: config.table,
    FANOUT_WORKER_FUNCTION: config.functions.worker,
    FANOUT_AGGREGATOR_FUNCTION: config.functions.aggregator,
    FANOUT_COORDINATOR_FUNCTION: config.functions.coordinator,
    FANOUT_WORKER_TIMEOUT_S: String(config.workerTimeoutMs / 1000),
    FANOUT_BARRIER_MS: String(config.barrierMs),
    FANOUT_STRAGGLER_GRACE_MS: String(config.stragglerGraceMs),
    FANOUT_RETENTION_DAYS: String(config.retentionDays),
    FANOUT_WATCH_POLL_MS: String(config.watchPollMs),
    FANOUT_CLAIM_GRACE_MS: String(config.claimGraceMs),
    FANOUT_FINALIZE_LEASE_MS: String(config.finalizeLeaseMs),
  };
  if (config.chainLeadMs !== undefined) env.FANOUT_CHAIN_LEAD_MS = String(config.chainLeadMs);
  const endpoints = config.connection.endpoints;
  if (endpoints?.s3) env.FANOUT_S3_ENDPOINT = endpoints.s3;
  if (endpoints?.dynamodb) env.FANOUT_DYNAMODB_ENDPOINT = endpoints.dynamodb;
  if (endpoints?.lambda) env.FANOUT_LAMBDA_ENDPOINT = endpoints.lambda;
  return env;
}
