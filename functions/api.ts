import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { invokeCoordinator } from '../lib/adapters/aws/invoke-coordinator.js';
import { presignedLink } from '../lib/adapters/aws/report-link.js';
import { awsRuntime } from '../lib/lambda/aws-runtime.js';
import { apiEventSchema, handleApiRequest } from '../lib/lambda/handle-api-request.js';

const jsonHeaders = { 'content-type': 'application/json' };

/** The HTTP API (IAM-authorised routes in serverless.yml): start, watch, stop runs, fetch reports. */
export async function handler(event: unknown): Promise<APIGatewayProxyStructuredResultV2> {
  const parsed = apiEventSchema.safeParse(event);
  if (!parsed.success) {
    return { statusCode: 400, headers: jsonHeaders, body: JSON.stringify({ error: 'bad-event', message: 'not an HTTP API (payload 2.0) event' }) };
  }
  const runtime = awsRuntime();
  try {
    return await handleApiRequest(parsed.data, {
      ...runtime,
      coordinate: (request) => invokeCoordinator(runtime.lambda, runtime.config.functions.coordinator, request),
      linkTo: (key, expiresInS) => presignedLink(runtime.s3, runtime.blobs, key, expiresInS),
      stragglerGraceMs: runtime.config.stragglerGraceMs,
    });
  } catch (error) {
    // API Gateway would answer a bare 500; say what failed, so the CLI can too.
    console.error(error);
    const message = error instanceof Error ? error.message : String(error);
    return { statusCode: 500, headers: jsonHeaders, body: JSON.stringify({ error: 'internal', message }) };
  }
}
