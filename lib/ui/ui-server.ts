import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { InputError } from '../config/input-error.js';
import type { RunSettings } from '../config/run-settings.js';
import { renderReportHtml } from '../report/html-report.js';
import { LocalUiRun } from './local-ui-run.js';
import { isRunId, listRuns, readRunReport } from './run-list.js';
import { formProblems, settingsFromForm } from './start-form.js';
import { startRunBodySchema, type PlatformAvailability, type ProblemsResponse, type StartRunForm, type UiInfo } from './ui-api.js';
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
  /** The runs folder (`fanout run --out`). */
  outDir: string;
  aws?: UiPlatform;
  log?: (message: string) => void;
}

export interface UiServer {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
/** Runs started by this UI whose live views are kept (the newest). */
const KEPT_RUNS = 20;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly body: { error: string; message: string },
  ) {
    super(body.message);
  }
}

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
 * A page elsewhere on the web must not drive this server through the user's browser: requests must
 * name this server as their Host (no DNS rebinding), and a POST must be same-origin JSON (a
 * cross-site form cannot send JSON without a CORS preflight, which this server never answers).
 */
function checkRequestOrigin(request: IncomingMessage, allowedHosts: Set<string> | undefined): void {
  const host = request.headers.host ?? '';
  if (allowedHosts && !allowedHosts.has(host)) throw new HttpProblem(403, { error: 'forbidden', message: `unexpected Host ${host}` });
  if (request.method === 'POST') {
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://${host}`) throw new HttpProblem(403, { error: 'forbidden', message: `cross-origin request from ${origin}` });
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
      throw new HttpProblem(415, { error: 'unsupported', message: 'send JSON (content-type: application/json)' });
    }
  }
}

/**
 * `fanout ui`: a page to start runs, watch them live and stop them, the past runs and their reports,
 * served with a small JSON API by one node:http server.
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const outDir = resolve(options.outDir);
  const log = options.log ?? (() => {});
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
    platforms: {
      local: { available: true },
      aws: { available: platforms.aws.available, ...(platforms.aws.reason !== undefined ? { reason: platforms.aws.reason } : {}) },
    },
    activeRunId: active?.active ? active.runId : null,
  });

  const startRun = async (body: unknown): Promise<{ status: number; value: unknown }> => {
    const parsed = startRunBodySchema.safeParse(body);
    if (!parsed.success) {
      return { status: 400, value: { error: 'bad-request', message: 'not a start-run form', problems: parsed.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })) } };
    }
    const form = parsed.data;
    const platform = platforms[form.platform];
    try {
      if (!platform.available || !platform.start) {
        throw new InputError([{ field: '--platform', message: platform.reason ?? `${form.platform} is not available` }]);
      }
      if (active?.active) {
        return { status: 409, value: { error: 'busy', message: `run ${active.runId} is still running: stop it or wait for its end`, problems: [] } satisfies ProblemsResponse };
      }
      const settings = await settingsFromForm(form);
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

  const handle = async (request: IncomingMessage, response: ServerResponse, allowedHosts: Set<string> | undefined): Promise<void> => {
    checkRequestOrigin(request, allowedHosts);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = request.method ?? 'GET';
    const runMatch = /^\/api\/runs\/([^/]+)\/(live|stop|report)$/.exec(path) ?? /^\/runs\/([^/]+)\/(report\.html)$/.exec(path);

    if (method === 'GET' && path === '/') {
      page ??= renderUiPage();
      return send(response, 200, page, 'text/html; charset=utf-8');
    }
    if (method === 'GET' && path === '/api/info') return sendJson(response, 200, info());
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

  let allowedHosts: Set<string> | undefined = new Set<string>();
  const server = createServer((request, response) => {
    handle(request, response, allowedHosts).catch((error: unknown) => {
      if (error instanceof HttpProblem) return sendJson(response, error.status, error.body);
      log(`${request.method} ${request.url} failed: ${errorText(error)}`);
      sendJson(response, 500, { error: 'internal', message: errorText(error) });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8089, host, () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  // On a loopback address only this machine's names are accepted; bound to a network address on
  // purpose (--host 0.0.0.0), any name the network uses for it is, and the Origin check remains.
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  allowedHosts = loopback ? new Set([`${hostInUrl}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) : undefined;
  return {
    url: `http://${hostInUrl}:${port}/`,
    close: async () => {
      for (const run of runs.values()) run.stop();
      await Promise.all([...runs.values()].map((run) => run.ended));
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}
