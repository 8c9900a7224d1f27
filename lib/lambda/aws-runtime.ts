import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import { dynamoDocumentClient, lambdaClient, s3Client } from '../adapters/aws/aws-clients.js';
import { DynamoResultStore } from '../adapters/aws/dynamo-result-store.js';
import { LambdaInvoker } from '../adapters/aws/lambda-invoker.js';
import { DynamoRunProgress } from '../adapters/aws/run-progress-store.js';
import { S3BlobStore } from '../adapters/aws/s3-blob-store.js';
import { runtimeConfigFromEnv, type RuntimeConfig } from './runtime-config.js';

/** The ports on AWS, built once per warm Lambda from its environment. */
export interface AwsRuntime {
  config: RuntimeConfig;
  s3: S3Client;
  lambda: LambdaClient;
  blobs: S3BlobStore;
  results: DynamoResultStore;
  progress: DynamoRunProgress;
  invoker: LambdaInvoker;
}

export function createAwsRuntime(config: RuntimeConfig): AwsRuntime {
  const s3 = s3Client(config.connection);
  const dynamo = dynamoDocumentClient(config.connection);
  const lambda = lambdaClient(config.connection);
  return {
    config,
    s3,
    lambda,
    blobs: new S3BlobStore(s3, config.bucket),
    results: new DynamoResultStore(dynamo, config.table, { retentionDays: config.retentionDays }),
    progress: new DynamoRunProgress(dynamo, config.table, config.retentionDays),
    invoker: new LambdaInvoker(lambda, { workerFunction: config.functions.worker, aggregatorFunction: config.functions.aggregator }),
  };
}

let cached: { key: string; runtime: AwsRuntime } | undefined;

/**
 * The runtime for this process's environment. Clients are kept between invocations (a warm Lambda
 * reuses its connections); a changed environment (an emulated stack started anew) builds new ones.
 */
export function awsRuntime(env: Record<string, string | undefined> = process.env): AwsRuntime {
  const config = runtimeConfigFromEnv(env);
  const key = JSON.stringify(config);
  if (cached?.key !== key) cached = { key, runtime: createAwsRuntime(config) };
  return cached.runtime;
}
