import { randomUUID } from 'node:crypto';
import type { ErrorResponse } from '../api/api-schemas.js';
import { scrubCredentialPatterns } from '../secrets/credential-patterns.js';
import { apiEventSchema, handleApiRequest, type ApiDeps } from './handle-api-request.js';
import { jsonAnswer, type ApiResult } from './api-response.js';


export interface AnswerOptions {
  /** Lambda's id of this invocation, when API Gateway's is missing. */
  invocationId?: string;
  /** Where the detail of a failure goes: the function's log. */
  logError: (message: string) => void;
}

/**
 * The api function's whole answer: a bad event is a 400; an unexpected failure a 500 that carries
 * only a request id, since its message may name ARNs, tables or keys of the account. The detail is
 * logged under that id (credentials in it hidden), where whoever may read the logs finds it.
 */
export async function answerApiEvent(event: unknown, deps: () => ApiDeps, options: AnswerOptions): Promise<ApiResult> {
  const parsed = apiEventSchema.safeParse(event);
  if (!parsed.success) return jsonAnswer(400, { error: 'bad-event', message: 'not an HTTP API (payload 2.0) event' } satisfies ErrorResponse);
  const requestId = parsed.data.requestContext?.requestId ?? options.invocationId ?? randomUUID();
  try {
    return await handleApiRequest(parsed.data, deps());
  } catch (error) {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    options.logError(`request ${requestId} (${parsed.data.routeKey}) failed: ${scrubCredentialPatterns(detail)}`);
    return jsonAnswer(500, { error: 'internal', message: `internal error; the api function's log has the detail under request ${requestId}`, requestId } satisfies ErrorResponse);
  }
}
