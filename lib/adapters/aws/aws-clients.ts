import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Where the AWS services are: the region, and on an emulated stack the local endpoints of the S3,
 * DynamoDB and Lambda emulators. On AWS no endpoint is given and the SDK finds the real ones.
 */
export interface AwsConnection {
  region: string;
  endpoints?: {
    s3?: string;
    dynamodb?: string;
    lambda?: string;
  };
  /** Other timeouts than the defaults below (tests). */
  timeouts?: { connectMs?: number; requestMs?: number };
}

/**
 * Every client retries what AWS calls retryable (throttling such as S3's 503 SlowDown, DynamoDB's
 * ProvisionedThroughputExceeded, Lambda's 429; 5xx; timeouts and reset connections) with the SDK's
 * standard mode: exponential backoff with full jitter, and a retry quota so that a service in
 * trouble is not hammered. Six attempts: at a 10 % failure rate all six fail once in a million calls.
 */
const MAX_ATTEMPTS = 6;
const RETRY_MODE = 'standard';

/**
 * Timeouts, so that a dead connection costs one attempt, not the invocation: TCP connect, then the
 * whole request. Calls are small (a slice's result is a few KB; a report a few hundred); only the
 * coordinator's RequestResponse invoke runs long, up to the coordinator's 60 s.
 */
export const CONNECT_TIMEOUT_MS = 3000;
export const REQUEST_TIMEOUT_MS = 30_000;
const LAMBDA_REQUEST_TIMEOUT_MS = 75_000;

function common(connection: AwsConnection, requestTimeout = REQUEST_TIMEOUT_MS) {
  return {
    maxAttempts: MAX_ATTEMPTS,
    retryMode: RETRY_MODE,
    requestHandler: {
      connectionTimeout: connection.timeouts?.connectMs ?? CONNECT_TIMEOUT_MS,
      requestTimeout: connection.timeouts?.requestMs ?? requestTimeout,
      throwOnRequestTimeout: true,
    },
  };
}

export function s3Client(connection: AwsConnection): S3Client {
  const endpoint = connection.endpoints?.s3;
  return new S3Client({
    region: connection.region,
    ...common(connection),
    // Checksums only when S3 requires them: the default (a trailing checksum on a streamed body)
    // is stored verbatim, chunk framing included, by emulators that do not speak it.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A local endpoint has no bucket subdomains.
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
}

export function dynamoDocumentClient(connection: AwsConnection): DynamoDBDocumentClient {
  const endpoint = connection.endpoints?.dynamodb;
  const client = new DynamoDBClient({ region: connection.region, ...common(connection), ...(endpoint ? { endpoint } : {}) });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function lambdaClient(connection: AwsConnection): LambdaClient {
  const endpoint = connection.endpoints?.lambda;
  return new LambdaClient({ region: connection.region, ...common(connection, LAMBDA_REQUEST_TIMEOUT_MS), ...(endpoint ? { endpoint } : {}) });
}
