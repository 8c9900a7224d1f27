import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { invokeCoordinator } from '../lib/adapters/aws/invoke-coordinator.js';
import { presignedLink } from '../lib/adapters/aws/report-link.js';
import { stackLimitsFromEnv } from '../lib/guard/stack-limits.js';
import { answerApiEvent } from '../lib/lambda/answer-api-event.js';
import { awsRuntime } from '../lib/lambda/aws-runtime.js';

/** The HTTP API (IAM-authorised routes in serverless.yml): start, list, watch, stop runs, fetch reports. */
export async function handler(event: unknown, context?: { awsRequestId?: string }): Promise<APIGatewayProxyStructuredResultV2> {
  return answerApiEvent(
    event,
    () => {
      const runtime = awsRuntime();
      return {
        ...runtime,
        coordinate: (request) => invokeCoordinator(runtime.lambda, runtime.config.functions.coordinator, request),
        linkTo: (key, expiresInS) => presignedLink(runtime.s3, runtime.blobs, key, expiresInS),
        stragglerGraceMs: runtime.config.stragglerGraceMs,
        limits: stackLimitsFromEnv(process.env),
        barrierMs: runtime.config.barrierMs,
      };
    },
    { ...(context?.awsRequestId ? { invocationId: context.awsRequestId } : {}), logError: (message) => console.error(message) },
  );
}
