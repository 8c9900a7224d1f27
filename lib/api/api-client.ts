import { Agent, RetryAgent, request as httpRequest, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { signRequest, type AwsCredentials } from '../aws-http/sign-request.js';
import type { ScenarioInput } from '../config/scenario-schema.js';
import type { Report } from '../report/report-types.js';
import {
  errorResponseSchema,
  reportLinkResponseSchema,
  runListResponseSchema,
  runStatusResponseSchema,
  startRunResponseSchema,
  stopResponseSchema,
  type ErrorResponse,
  type ReportLinkResponse,
  type RunListResponse,
  type RunStatusResponse,
  type StartRunResponse,
  type StopResponse,
} from './api-schemas.js';

/** An answer of the API other than success, with its parsed body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorResponse,
  ) {
    super(`${body.message} (HTTP ${status})`);
    this.name = 'ApiError';
  }
}

export interface ApiClientOptions {
  /** The HTTP API's base URL (the stack's HttpApiUrl output, or an emulated stack's). */
  baseUrl: string;
  /** The signing region: the API's own region. */
  region: string;
  /** The AWS default credential chain (env, profile, SSO, instance role...). */
  credentials: () => Promise<AwsCredentials>;
  /** How long to wait for the API's answer (headers, then body) before giving up. */
  timeoutMs?: number;
}

/** The API answers within Lambda's own limits; a stuck connection should not hang the CLI. */
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A call that fails on the way (API Gateway's 429 and 5xx, a reset connection, a laptop's
 * flaky network) is retried up to 5 times with exponential backoff: 0.5, 1, 2, 4, 5 s. Every call is
 * safe to repeat: GETs read; a repeated start of the same run id answers 409 `exists` (runAws
 * takes that as its own start); a repeated stop asks again. What still fails after the retries
 * reaches the caller with the last answer.
 */
function retryingDispatcher(): Dispatcher {
  return new RetryAgent(new Agent(), {
    maxRetries: 5,
    minTimeout: 500,
    maxTimeout: 5000,
    timeoutFactor: 2,
    methods: ['GET', 'POST'],
    statusCodes: [429, 500, 502, 503, 504],
    throwOnError: false,
  });
}

const isSuccess = (status: number) => status >= 200 && status <= 299;

/**
 * The CLI's side of the HTTP API: SigV4-signed requests (the routes are AWS_IAM), checked answers.
 * HTTP by undici's request(), with timeouts, and retries with backoff (undici's RetryAgent).
 */
export class FanoutApiClient {
  private readonly dispatcher: Dispatcher;

  constructor(private readonly options: ApiClientOptions) {
    this.dispatcher = retryingDispatcher();
  }

  private async send(url: URL, method: 'GET' | 'POST', headers: Record<string, string> = {}, body?: string): Promise<{ status: number; text: string }> {
    const timeout = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const response = await httpRequest(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      headersTimeout: timeout,
      bodyTimeout: timeout,
      dispatcher: this.dispatcher,
    });
    return { status: response.statusCode, text: await response.body.text() };
  }

  startRun(scenario: ScenarioInput, runId?: string): Promise<StartRunResponse> {
    const query = runId === undefined ? '' : `?runId=${encodeURIComponent(runId)}`;
    return this.request('POST', `/runs${query}`, startRunResponseSchema, JSON.stringify(scenario));
  }

  /** The stack's runs, newest first; `owner`: `me` (the signing identity), an IAM ARN, or everyone's when absent. */
  listRuns(owner?: string, limit?: number): Promise<RunListResponse> {
    const query = new URLSearchParams({ ...(owner !== undefined ? { owner } : {}), ...(limit !== undefined ? { limit: String(limit) } : {}) });
    return this.request('GET', `/runs${query.size > 0 ? `?${query}` : ''}`, runListResponseSchema);
  }

  getRun(runId: string): Promise<RunStatusResponse> {
    return this.request('GET', `/runs/${encodeURIComponent(runId)}`, runStatusResponseSchema);
  }

  stopRun(runId: string): Promise<StopResponse> {
    return this.request('POST', `/runs/${encodeURIComponent(runId)}/stop`, stopResponseSchema);
  }

  reportLink(runId: string): Promise<ReportLinkResponse> {
    return this.request('GET', `/runs/${encodeURIComponent(runId)}/report`, reportLinkResponseSchema);
  }

  /** Fetches report.json through its presigned link (no credentials needed). */
  async downloadReport(url: string): Promise<{ text: string; report: Report }> {
    const { status, text } = await this.send(new URL(url), 'GET');
    if (!isSuccess(status)) throw new Error(`downloading the report failed: HTTP ${status} ${text.slice(0, 200)}`);
    const report = JSON.parse(text) as Report;
    if (report.schemaVersion !== 1 || typeof report.status !== 'string') throw new Error('the downloaded file is not a fanout report');
    return { text, report };
  }

  private async request<T extends z.ZodType>(method: 'GET' | 'POST', path: string, schema: T, body = ''): Promise<z.output<T>> {
    const url = new URL(`${this.options.baseUrl.replace(/\/+$/, '')}${path}`);
    const headers = await signRequest(
      { method, url, headers: body === '' ? {} : { 'content-type': 'application/json' }, body },
      await this.options.credentials(),
      { region: this.options.region, service: 'execute-api' },
    );
    delete headers.host;
    const { status, text } = await this.send(url, method, headers, body === '' ? undefined : body);
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new ApiError(status, { error: 'not-json', message: `the API answered ${text.slice(0, 200)}` });
    }
    if (!isSuccess(status)) {
      const error = errorResponseSchema.safeParse(parsed);
      const fallback = { error: 'http', message: typeof (parsed as { message?: unknown }).message === 'string' ? (parsed as { message: string }).message : text.slice(0, 200) };
      throw new ApiError(status, error.success ? error.data : fallback);
    }
    return schema.parse(parsed);
  }
}
