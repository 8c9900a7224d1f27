import type { Report } from '../lib/report/report-types.js';
import type { LiveRunView, ProblemsResponse, RunListEntry, ScenarioList, StartRunBody, StartRunResponse, UiInfo } from '../lib/ui/ui-api.js';

/**
 * The UI server's JSON API, as the page calls it. The access token travels as the HttpOnly cookie
 * the server set when the page was opened with it: this code never sees it.
 */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: Partial<ProblemsResponse>,
  ) {
    super(body.message ?? `HTTP ${status}`);
  }
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const parsed = (await response.json().catch(() => ({}))) as unknown;
  if (!response.ok) throw new ApiFailure(response.status, parsed as Partial<ProblemsResponse>);
  return parsed as T;
}

export const api = {
  info: () => call<UiInfo>('GET', '/api/info'),
  scenarios: () => call<ScenarioList>('GET', '/api/scenarios'),
  runs: () => call<RunListEntry[]>('GET', '/api/runs'),
  start: (body: StartRunBody) => call<StartRunResponse>('POST', '/api/runs', body),
  live: (runId: string, since: number) => call<LiveRunView>('GET', `/api/runs/${encodeURIComponent(runId)}/live?since=${since}`),
  stop: (runId: string) => call<{ runId: string }>('POST', `/api/runs/${encodeURIComponent(runId)}/stop`, {}),
  report: (runId: string) => call<Report>('GET', `/api/runs/${encodeURIComponent(runId)}/report`),
  reportHtmlHref: (runId: string) => `/runs/${encodeURIComponent(runId)}/report.html`,
};
