import { z } from 'zod';
import type { IntervalProgress } from '../adapters/aws/run-progress-store.js';
import type { ErrorResponse, ReportLinkResponse, RunStatusResponse, StartRunResponse, StopResponse } from '../api/api-schemas.js';
import { settingsFromRunRequest } from '../api/run-request.js';
import type { RouteKey } from '../api/routes.js';
import { InputError } from '../config/input-error.js';
import { WORKER_WRITES_MS } from '../cost/worker-concurrency.js';
import { apiRequestContextSchema, callerOf } from '../guard/caller-identity.js';
import { stackLimitRefusal, type LimitRefusal } from '../guard/check-stack-limits.js';
import type { StackLimits } from '../guard/stack-limits.js';
import { newRunId, planRun } from '../plan/run-plan.js';
import { lanesCovering } from '../plan/slice-task.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Invoker } from '../ports/invoker.js';
import type { ResultStore, RunRecord } from '../ports/result-store.js';
import { summarizePlan } from '../report/build-report.js';
import { loadPlan } from '../worker/run-slice-task.js';
import { runDeadline } from './coordinate-run.js';
import { runIdSchema, type CoordinatorEvent, type CoordinatorResult } from './lambda-events.js';
import { listRunsRoute } from './list-runs-route.js';
import { jsonAnswer, type ApiResult } from './api-response.js';

/** The parts of an API Gateway HTTP API (payload 2.0) event the API reads; the rest is ignored. */
export const apiEventSchema = z.object({
  routeKey: z.string(),
  pathParameters: z.record(z.string(), z.string()).optional(),
  queryStringParameters: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
  /** The caller's IAM identity (the AWS_IAM authoriser's) and API Gateway's request id. */
  requestContext: apiRequestContextSchema.optional(),
});
export type ApiEvent = z.infer<typeof apiEventSchema>;

export interface ApiDeps {
  blobs: BlobStore;
  results: ResultStore;
  invoker: Invoker;
  progress: {
    read(runId: string, intervals: number[]): Promise<IntervalProgress[]>;
  };
  /** Runs the coordinator and waits for its answer. */
  coordinate(event: CoordinatorEvent): Promise<CoordinatorResult>;
  /** A short-lived download link for a key of the BlobStore. */
  linkTo(key: string, expiresInS: number): Promise<string>;
  stragglerGraceMs: number;
  /** The stack's limits on a run; none when absent. */
  limits?: StackLimits;
  /** The coordinator's start barrier, for the cost estimate. */
  barrierMs?: number;
}

/**
 * After a stop request, when the run is finalised: the workers' next stop-flag read (about a
 * second, plus a second of read lag), their requests in flight cut at once, and their writes.
 */
export const STOP_SETTLE_MS = 2000 + 2 * WORKER_WRITES_MS;
/** Intervals of live progress returned with a run's status. */
const RECENT_INTERVALS = 6;
const REPORT_LINK_S = 900;


function problem(statusCode: number, body: ErrorResponse): ApiResult {
  return jsonAnswer(statusCode, body);
}

function badInput(problems: InputError['problems']): ApiResult {
  return problem(400, { error: 'bad-input', message: 'the request is not a valid run; nothing was started', problems });
}

const notFound = (runId: string) => problem(404, { error: 'not-found', message: `no run ${runId}` });

/** The API function: POST /runs, GET /runs/{id}, POST /runs/{id}/stop, GET /runs/{id}/report. */
export async function handleApiRequest(event: ApiEvent, deps: ApiDeps): Promise<ApiResult> {
  const routeKey = event.routeKey as RouteKey;
  if (routeKey === 'POST /runs') return startRunRoute(event, deps);
  if (routeKey === 'GET /runs') return listRunsRoute(event.queryStringParameters ?? {}, callerOf(event.requestContext), deps.results);
  const runId = runIdSchema.safeParse(event.pathParameters?.id);
  if (!runId.success) return badInput([{ field: 'id', message: 'expected a run id' }]);
  const run = await deps.results.getRun(runId.data);
  if (!run) return notFound(runId.data);
  switch (routeKey) {
    case 'GET /runs/{id}':
      return jsonAnswer(200, await runStatus(run, deps));
    case 'POST /runs/{id}/stop':
      return stopRoute(run, deps);
    case 'GET /runs/{id}/report':
      return reportRoute(run, deps);
    default:
      return problem(404, { error: 'no-route', message: `no route ${event.routeKey}` });
  }
}

function bodyOf(event: ApiEvent): unknown {
  if (event.body === undefined || event.body === '') throw new InputError([{ field: 'body', message: 'required: a scenario (JSON)' }]);
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError([{ field: 'body', message: `not JSON: ${(error as Error).message}` }]);
  }
}

async function startRunRoute(event: ApiEvent, deps: ApiDeps): Promise<ApiResult> {
  let scenario: unknown;
  let runId: string;
  try {
    scenario = bodyOf(event);
    // Validated here as well as in the coordinator, so that bad input costs no invocation.
    const settings = settingsFromRunRequest(scenario);
    const requested = event.queryStringParameters?.runId;
    const parsedId = runIdSchema.safeParse(requested ?? newRunId());
    if (!parsedId.success) throw new InputError([{ field: 'runId', message: 'expected letters, digits and dashes (at most 64)' }]);
    runId = parsedId.data;
    // The stack's limits, whatever the client sent or was told: planned and estimated here as the CLI does.
    const refusal = deps.limits && stackLimitRefusal(settings, planRun(settings, { platform: 'aws', runId }), deps.limits, deps.barrierMs ?? 10_000);
    if (refusal) return limitRefused(refusal);
  } catch (error) {
    if (error instanceof InputError) return badInput(error.problems);
    throw error;
  }
  const owner = callerOf(event.requestContext);
  const result = await deps.coordinate({ runId, scenario, ...(owner ? { owner } : {}) });
  switch (result.outcome) {
    case 'started': {
      const { outcome: _, ...started } = result;
      return jsonAnswer(201, started satisfies StartRunResponse);
    }
    case 'bad-input':
      return badInput(result.problems);
    case 'quota':
      return problem(409, { error: 'quota', message: result.message, quota: result.quota, needed: result.needed, available: result.available });
    case 'exists':
      return problem(409, { error: 'exists', message: `run ${result.runId} exists already` });
    case 'limit': {
      const { outcome: _, ...refusal } = result;
      return limitRefused(refusal);
    }
  }
}

/** Past one of the stack's limits: nothing started; the limit, what it allows and what was asked for are named. */
function limitRefused(refusal: LimitRefusal): ApiResult {
  const { limit, allowed, requested, field, message } = refusal;
  return problem(422, { error: 'limit', message: `${field}: ${message}; nothing was started`, limit, allowed, requested, problems: [{ field, message }] });
}

async function runStatus(run: RunRecord, deps: ApiDeps): Promise<RunStatusResponse> {
  const plan = await loadPlan(deps.blobs, run.runId).catch(() => undefined);
  const intervalMs = plan?.timelineIntervalMs ?? 1000;
  const latest = Math.floor((Math.min(Date.now(), run.plannedEndAt) - run.startAt) / intervalMs);
  const wanted = Array.from({ length: RECENT_INTERVALS }, (_, back) => latest - back);
  const [steps, recent] = await Promise.all([deps.results.listSteps(run.runId), deps.progress.read(run.runId, wanted)]);
  // Step results recorded so far, as the run's supervisor last counted them on the run item.
  const slicesDone = run.partsDone ?? 0;
  // The watchdog's own backstop: should its invocation have been lost, a status read well past the
  // deadline finalises the run with what has arrived.
  if (run.status === 'running' && Date.now() > runDeadline(run, deps.stragglerGraceMs) + deps.stragglerGraceMs) {
    await deps.invoker.invokeAggregator({ runId: run.runId, finalizeAt: Date.now() });
  }
  const expected = (interval: number) => (plan ? lanesCovering(plan, { startOffsetMs: interval * intervalMs, endOffsetMs: (interval + 1) * intervalMs }) : undefined);
  return {
    run,
    plan: plan ? summarizePlan(plan) : null,
    steps,
    progress: { slicesDone, intervalMs, recent: recent.map((point) => ({ ...point, expectedReports: expected(point.interval) })) },
  };
}

async function stopRoute(run: RunRecord, deps: ApiDeps): Promise<ApiResult> {
  if (run.status !== 'running') {
    return problem(409, { error: 'not-running', message: `run ${run.runId} has ended (${run.status})`, status: run.status });
  }
  await deps.results.requestStop(run.runId);
  const finalizeAt = Date.now() + STOP_SETTLE_MS;
  await deps.invoker.invokeAggregator({ runId: run.runId, finalizeAt });
  return jsonAnswer(202, { runId: run.runId, status: 'stopping', finalizeAt } satisfies StopResponse);
}

async function reportRoute(run: RunRecord, deps: ApiDeps): Promise<ApiResult> {
  if (!run.reportKey) {
    return problem(409, { error: 'not-ready', message: `run ${run.runId} has no report yet (${run.status})`, status: run.status });
  }
  const url = await deps.linkTo(run.reportKey, REPORT_LINK_S);
  return jsonAnswer(200, { runId: run.runId, status: run.status, url, expiresInS: REPORT_LINK_S } satisfies ReportLinkResponse);
}
