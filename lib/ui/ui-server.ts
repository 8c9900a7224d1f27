import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { InputError } from '../config/input-error.js';
import type { RunSettings } from '../config/run-settings.js';
import { renderReportHtml } from '../report/html-report.js';
import { scrubCredentialPatterns } from '../secrets/credential-patterns.js';
import { isAccessToken, newAccessToken, tokenCookie, tokenCookieName, tokenOfRequest } from './access-token.js';
import { CostNotConfirmed } from './aws-ui-run.js';
import { HttpProblem } from './http-problem.js';
import { LocalUiRun } from './local-ui-run.js';
import { allowedNamesFor, checkHost, checkStateChange, hostForUrl, isWildcardAddress, type AllowedNames } from './request-guard.js';
import { isRunId, listRuns, readRunReport } from './run-list.js';
import { ScenarioFolder } from './scenario-folder.js';
import { formProblems, settingsFromForm } from './start-form.js';
import {
  MAX_SCENARIO_TEXT,
  startRunBodySchema,
  type FormField,
  type InternalErrorResponse,
  type PlatformAvailability,
  type ProblemsResponse,
  type StartRunForm,
  type UiInfo,
} from './ui-api.js';
import { renderUiPage } from './ui-page.js';
import { errorText, type UiRun } from './ui-run.js';

/** Where the UI can start runs: this machine always; AWS when it was given a stack to talk to. */
export interface UiPlatform extends PlatformAvailability {
  start?: (settings: RunSettings, form: StartRunForm) => Promise<UiRun>;
}

export interface UiServerOptions {
  /** 127.0.0.1 by default: the UI starts load tests, so it is not for the whole network to reach. */
  host?: string;
  port?: number;
  /** Further names (`name` or `name:port`) requests may address the server by (`--allow-host`). */
  allowHosts?: string[];
  /** The runs folder (`fanout run --out`). */
  outDir: string;
  /** The folder whose scenario files the page offers (where `fanout ui` was started). */
  scenarioDir: string;
  /** The API's access token; a random one by default (tests choose their own). */
  token?: string;
  aws?: UiPlatform;
  log?: (message: string) => void;
  /** Where the detail of a failed request goes (the answer carries only an id): stderr by default. */
  logError?: (message: string) => void;
}

export interface UiServer {
  /** The page's address with the token (`http://127.0.0.1:8089/?token=…`): what `fanout ui` prints. */
  url: string;
  token: string;
  close(): Promise<void>;
  /** The process must exit now: reports of the runs still going, from what is on disk (their paths). */
  finalizeNow(): Promise<string[]>;
}

/** A pasted scenario of MAX_SCENARIO_TEXT characters, JSON-escaped, with room for the other fields. */
const MAX_BODY_BYTES = 6 * MAX_SCENARIO_TEXT + 64 * 1024;
/** Runs started by this UI whose live views are kept (the newest). */
const KEPT_RUNS = 20;

function send(response: ServerResponse, status: number, body: string, contentType: string): void {
  response.writeHead(status, {
    'content-type': contentType,
    'cache-control': 'no-store',
    // The pages inline everything they use: nothing may be loaded from anywhere else.
    'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  send(response, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpProblem(413, { error: 'too-large', message: `request body above ${MAX_BODY_BYTES} bytes` });
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpProblem(400, { error: 'not-json', message: 'the request body is not JSON' });
  }
}

/**
 * The start form's own shape problems (a field of the wrong type, pasted text too long), each under
 * its field.
 */
function bodyProblems(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): ProblemsResponse {
  return {
    error: 'bad-request',
    message: 'not a start-run form',
    problems: issues.map((issue) => {
      const field = issue.path.map(String).join('.');
      return field in startRunBodySchema.shape ? { field, message: issue.message, formField: field as FormField } : { field, message: issue.message };
    }),
  };
}

/**
 * `fanout ui`: a page to start runs, watch them live and stop them, the past runs and their reports,
 * served with a small JSON API by one node:http server. Every request must address the server by
 * one of its own names (no DNS rebinding); every API call and report needs the token printed at
 * start; a change (start, stop) from a browser must come from the server's own origin.
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const outDir = resolve(options.outDir);
  const scenarios = new ScenarioFolder(options.scenarioDir, [outDir]);
  const token = options.token ?? newAccessToken();
  const log = options.log ?? (() => {});
  const logError = options.logError ?? ((message: string) => process.stderr.write(`${message}\n`));
  const runs = new Map<string, UiRun>();
  let active: UiRun | undefined;
  const platforms: Record<'local' | 'aws', UiPlatform> = {
    local: { available: true, start: async (settings) => new LocalUiRun(settings, outDir) },
    aws: options.aws ?? {
      available: false,
      reason: 'start `fanout ui` with --api URL or --stack NAME (a deployed or emulated stack) to run on AWS',
    },
  };
  let page: string | undefined;

  const info = (): UiInfo => ({
    outDir,
    scenarioFolder: scenarios.root,
    platforms: {
      local: { available: true },
      aws: { available: platforms.aws.available, ...(platforms.aws.reason !== undefined ? { reason: platforms.aws.reason } : {}) },
    },
    activeRunId: active?.active ? active.runId : null,
  });

  const startRun = async (body: unknown): Promise<{ status: number; value: unknown }> => {
    const parsed = startRunBodySchema.safeParse(body);
    if (!parsed.success) return { status: 400, value: bodyProblems(parsed.error.issues) };
    const form = parsed.data;
    const platform = platforms[form.platform];
    try {
      if (!platform.available || !platform.start) {
        throw new InputError([{ field: '--platform', message: platform.reason ?? `${form.platform} is not available` }]);
      }
      if (active?.active) {
        return { status: 409, value: { error: 'busy', message: `run ${active.runId} is still running: stop it or wait for its end`, problems: [] } satisfies ProblemsResponse };
      }
      const settings = await settingsFromForm(form, scenarios);
      if (form.platform === 'aws' && settings.target === 'demo') {
        throw new InputError([{ field: '--target', message: 'the demo target runs only with --platform local; give a URL the Lambda workers can reach' }]);
      }
      const run = await platform.start(settings, form);
      active = run;
      runs.set(run.runId, run);
      for (const runId of [...runs.keys()].slice(0, Math.max(0, runs.size - KEPT_RUNS))) runs.delete(runId);
      log(`run ${run.runId} started (${form.platform})`);
      void run.ended.then(() => log(`run ${run.runId} ended`));
      return { status: 201, value: { runId: run.runId } };
    } catch (error) {
      if (error instanceof InputError) {
        return { status: 400, value: { error: 'bad-input', message: 'bad input, nothing was started', problems: formProblems(error, form) } satisfies ProblemsResponse };
      }
      if (error instanceof CostNotConfirmed) {
        const problem = { field: '--max-cost', message: `${error.message}: confirm the estimate to start the run`, formField: 'confirmCostUsd' as const };
        return { status: 400, value: { error: 'confirm-cost', message: 'nothing was started: the estimate needs your confirmation', problems: [problem], costEstimate: error.estimate } satisfies ProblemsResponse };
      }
      throw error;
    }
  };

  const reportHtml = async (runId: string): Promise<string | undefined> => {
    try {
      return await readFile(join(outDir, runId, 'report.html'), 'utf8');
    } catch {
      // Older runs (or reports downloaded from AWS) may have only report.json: render it now.
      const report = await readRunReport(outDir, runId);
      return report && renderReportHtml(report);
    }
  };

  let allowed: AllowedNames | undefined;
  let cookieName = '';

  const handle = async (request: IncomingMessage, response: ServerResponse, names: AllowedNames): Promise<void> => {
    checkHost(request, names);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = request.method ?? 'GET';
    if (method === 'GET' && path === '/') {
      const given = url.searchParams.get('token');
      if (given !== null) {
        // The token moves out of the address bar (history, screen shares) into the page's cookie.
        const cookie = isAccessToken(given, token) ? { 'set-cookie': tokenCookie(cookieName, token) } : {};
        response.writeHead(303, { location: '/', 'cache-control': 'no-store', ...cookie });
        return void response.end();
      }
      // The page holds no data: everything comes from the API, which needs the token.
      page ??= renderUiPage();
      return send(response, 200, page, 'text/html; charset=utf-8');
    }
    if (!isAccessToken(tokenOfRequest(request.headers, cookieName), token)) {
      throw new HttpProblem(401, { error: 'no-token', message: 'open the address fanout ui printed at start (…/?token=…), or send Authorization: Bearer <token>' });
    }
    checkStateChange(request, names);
    const runMatch = /^\/api\/runs\/([^/]+)\/(live|stop|report)$/.exec(path) ?? /^\/runs\/([^/]+)\/(report\.html)$/.exec(path);

    if (method === 'GET' && path === '/api/info') return sendJson(response, 200, info());
    if (method === 'GET' && path === '/api/scenarios') return sendJson(response, 200, await scenarios.list());
    if (method === 'GET' && path === '/api/runs') return sendJson(response, 200, await listRuns(outDir));
    if (method === 'POST' && path === '/api/runs') {
      const { status, value } = await startRun(await readJsonBody(request));
      return sendJson(response, status, value);
    }
    if (runMatch) {
      const runId = decodeURIComponent(runMatch[1]!);
      const action = runMatch[2]!;
      if (!isRunId(runId)) throw new HttpProblem(400, { error: 'bad-id', message: 'expected a run id' });
      const run = runs.get(runId);
      if (method === 'GET' && action === 'live') {
        if (!run) throw new HttpProblem(404, { error: 'not-found', message: `run ${runId} was not started by this UI: see its report` });
        const since = Math.max(0, Number.parseInt(url.searchParams.get('since') ?? '0', 10) || 0);
        return sendJson(response, 200, await run.view(since));
      }
      if (method === 'POST' && action === 'stop') {
        if (!run) throw new HttpProblem(404, { error: 'not-found', message: `run ${runId} was not started by this UI (fanout stop ${runId} stops it)` });
        if (!run.active) throw new HttpProblem(409, { error: 'ended', message: `run ${runId} has ended` });
        run.stop();
        return sendJson(response, 202, { runId, stopping: true });
      }
      if (method === 'GET' && action === 'report') {
        const report = await readRunReport(outDir, runId);
        if (!report) throw new HttpProblem(404, { error: 'not-found', message: `run ${runId} has no report (yet)` });
        return sendJson(response, 200, report);
      }
      if (method === 'GET' && action === 'report.html') {
        const html = await reportHtml(runId);
        if (html === undefined) throw new HttpProblem(404, { error: 'not-found', message: `run ${runId} has no report (yet)` });
        return send(response, 200, html, 'text/html; charset=utf-8');
      }
    }
    throw new HttpProblem(404, { error: 'no-route', message: `no ${method} ${path}` });
  };

  const server = createServer((request, response) => {
    // Not listening yet means no names: nothing is answered before the port is known.
    handle(request, response, allowed ?? { hosts: new Set(), origins: new Set() }).catch((error: unknown) => {
      if (error instanceof HttpProblem) return sendJson(response, error.status, error.body);
      // The detail (a path, a library's message) stays in the log; the answer says where to find it.
      const requestId = randomBytes(6).toString('hex');
      const detail = scrubCredentialPatterns(error instanceof Error ? (error.stack ?? error.message) : errorText(error));
      logError(`fanout ui: request ${requestId} (${request.method} ${new URL(request.url ?? '/', 'http://localhost').pathname}) failed: ${detail}`);
      const body: InternalErrorResponse = { error: 'internal', message: `internal error, request ${requestId}: see fanout ui's log`, requestId };
      sendJson(response, 500, body);
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8089, host, () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  allowed = allowedNamesFor(host, port, options.allowHosts);
  cookieName = tokenCookieName(port);
  // Listening everywhere (0.0.0.0) is no address to open: the page's link names this machine.
  const hostInUrl = isWildcardAddress(host) ? (host.includes(':') ? '[::1]' : '127.0.0.1') : hostForUrl(host);
  return {
    url: `http://${hostInUrl}:${port}/?token=${token}`,
    token,
    finalizeNow: async () => {
      const written = await Promise.all([...runs.values()].filter((run) => run.active).map((run) => run.finalizeNow?.()));
      return written.filter((path): path is string => path !== undefined);
    },
    close: async () => {
      for (const run of runs.values()) run.stop();
      await Promise.all([...runs.values()].map((run) => run.ended));
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}
