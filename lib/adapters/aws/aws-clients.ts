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
}

/** Throttled Event invokes and writes during a fan-out are retried this many times (SDK backoff). */
const MAX_ATTEMPTS = 6;

export function s3Client(connection: AwsConnection): S3Client {
  const endpoint = connection.endpoints?.s3;
  return new S3Client({
    region: connection.region,
    maxAttempts: MAX_ATTEMPTS,
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
  const client = new DynamoDBClient({ region: connection.region, maxAttempts: MAX_ATTEMPTS, ...(endpoint ? { endpoint } : {}) });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function lambdaClient(connection: AwsConnection): LambdaClient {
  const endpoint = connection.endpoints?.lambda;
  return new LambdaClient({ region: connection.region, maxAttempts: MAX_ATTEMPTS, ...(endpoint ? { endpoint } : {}) });
}
