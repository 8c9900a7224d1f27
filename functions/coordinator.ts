import { readLambdaQuotas } from '../lib/adapters/aws/lambda-quotas.js';
import { stackLimitsFromEnv } from '../lib/guard/stack-limits.js';
import { awsRuntime } from '../lib/lambda/aws-runtime.js';
import { coordinateRun } from '../lib/lambda/coordinate-run.js';
import { coordinatorEventSchema, type CoordinatorResult } from '../lib/lambda/lambda-events.js';
import { kmsSecretsKeeper } from '../lib/secrets/kms-secrets-keeper.js';

/** Plans a run, checks the stack's limits and Lambda's concurrency quotas, starts it and sets its watchdog. */
export async function handler(event: unknown): Promise<CoordinatorResult> {
  const request = coordinatorEventSchema.parse(event);
  const runtime = awsRuntime();
  const { config } = runtime;
  return coordinateRun(
    request,
    { ...runtime, readQuotas: () => readLambdaQuotas(runtime.lambda, config.functions.worker), secrets: kmsSecretsKeeper(runtime.blobs) },
    {
      barrierMs: config.barrierMs,
      workerTimeoutMs: config.workerTimeoutMs,
      stragglerGraceMs: config.stragglerGraceMs,
      limits: stackLimitsFromEnv(process.env),
      ...(config.chainLeadMs === undefined ? {} : { chainLeadMs: config.chainLeadMs }),
    },
  );
}
