import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LiveRunView, ProblemsResponse, RunListEntry, StartRunBody } from '../../lib/ui/ui-api.js';
import { startUiServer, type UiServer } from '../../lib/ui/ui-server.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/run-helpers.js';
import { startTestTarget } from '../helpers/test-target.js';
import { apiCall, bearer, rawRequest } from './ui-http.js';

async function post(server: UiServer, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const answer = await rawRequest(server, { path, body, headers: { ...bearer(server), ...headers } });
  return { status: answer.status, body: JSON.parse(answer.text) as unknown };
}

async function get<T>(server: UiServer, path: string): Promise<T> {
  const answer = await apiCall<T>(server, 'GET', path);
  assert.equal(answer.status, 200, `GET ${path}`);
  return answer.body;
}

/** Polls `read` until `done` holds; a bound (not a timing assertion) so that a broken run fails instead of hanging. */
async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, boundMs = 30_000): Promise<T> {
  const giveUpAt = Date.now() + boundMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(value).slice(0, 500)}`);
    await sleep(250);
  }
}

/** The problem lines the CLI prints for bad input ("  --users: expected a number above 0"). */
function cliProblemLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('  '))
    .map((line) => line.trim());
}

test('the start form is validated exactly as `fanout run` validates its flags, with the same messages, and nothing starts', async () => {
  const target = await startTestTarget();
  const out = await tempDir();
  const scenarioDir = await tempDir();
  const server = await startUiServer({ port: 0, outDir: out, scenarioDir });
  try {
    await writeFile(join(scenarioDir, 'bad.yml'), ['target: demo', 'load:', '  users: many', '  colour: blue'].join('\n'));
    const cases: Array<{ form: StartRunBody; flags: string[]; field: string }> = [
      { form: { target: target.url, users: '-5', duration: '2s' }, flags: ['--target', target.url, '--users', '-5', '--duration', '2s'], field: 'users' },
      { form: { target: target.url, users: '5', duration: '10 parsecs' }, flags: ['--target', target.url, '--users', '5', '--duration', '10 parsecs'], field: 'duration' },
      { form: { target: target.url, users: '1', slo: 'p95 < fast' }, flags: ['--target', target.url, '--users', '1', '--slo', 'p95 < fast'], field: 'slo' },
      { form: { users: '5' }, flags: ['--users', '5'], field: 'target' },
      { form: { target: 'ftp://example.com', users: '5' }, flags: ['--target', 'ftp://example.com', '--users', '5'], field: 'target' },
      { form: { target: target.url, load: 'rate', rate: '10', steps: '1:5:1', stepDuration: '1s' }, flags: ['--target', target.url, '--model', 'open', '--rate', '10', '--steps', '1:5:1', '--step-duration', '1s'], field: 'steps' },
      // A listed file, by its path relative to the folder: as `fanout run` started in that folder reads it.
      { form: { scenarioFile: 'bad.yml' }, flags: ['bad.yml'], field: 'scenarioFile' },
    ];
    for (const { form, flags, field } of cases) {
      const cli = await runCli(['run', ...flags, '--out', out], { cwd: scenarioDir });
      assert.equal(cli.code, 2, cli.stderr);
      const answer = await post(server, '/api/runs', form);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      const problems = (answer.body as ProblemsResponse).problems;
      assert.deepEqual(
        problems.map((problem) => `${problem.field}: ${problem.message}`),
        cliProblemLines(cli.stderr),
        `the same problems for ${flags.join(' ')}`,
      );
      assert.ok(problems.some((problem) => problem.formField === field), `a problem is shown under the ${field} field: ${JSON.stringify(problems)}`);
    }
    assert.equal(target.received(), 0, 'no request was sent');
    assert.deepEqual(await readdir(out), [], 'no run was started');
  } finally {
    await server.close();
    await target.close();
  }
});

test('the UI server takes only JSON posts, and refuses a platform it does not have', async () => {
  const out = await tempDir();
  const server = await startUiServer({ port: 0, outDir: out, scenarioDir: out });
  try {
    const body = { target: 'http://127.0.0.1:9', users: '1', duration: '1s' };
    // A cross-site form can post urlencoded text without a preflight: never a run.
    const form = await rawRequest(server, { method: 'POST', path: '/api/runs', headers: { ...bearer(server), 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(form.status, 415);
    const aws = await post(server, '/api/runs', { ...body, platform: 'aws' });
    assert.equal(aws.status, 400);
    assert.equal((aws.body as ProblemsResponse).problems[0]?.formField, 'platform');
    assert.deepEqual(await readdir(out), []);
  } finally {
    await server.close();
  }
});

test('a run started through the API: live timeline, per-name and error tables, stop, then an aborted report in the runs list', async () => {
  const target = await startTestTarget({ delayMs: 5, statusByPath: { '/broken': 503 } });
  const out = await tempDir();
  const scenarioDir = await tempDir();
  const server = await startUiServer({ port: 0, outDir: out, scenarioDir });
  try {
    await writeFile(join(scenarioDir, 'mix.json'), JSON.stringify({ requests: [{ name: 'home', path: '/', weight: 3 }, { name: 'broken', path: '/broken', weight: 1 }] }));
    const started = await post(server, '/api/runs', { scenarioFile: 'mix.json', target: target.url, users: '4', duration: '60s' });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const { runId } = started.body as { runId: string };

    const busy = await post(server, '/api/runs', { target: target.url, users: '1', duration: '1s' });
    assert.equal(busy.status, 409, 'one run at a time');

    const live = () => get<LiveRunView>(server, `/api/runs/${runId}/live?since=0`);
    let view = await pollUntil(
      live,
      (current) => current.state !== 'running' || (current.timeline.length >= 2 && current.requestRows.length === 2 && current.errorRows.length > 0),
      'live points, both request names and an error type',
    );
    assert.equal(view.state, 'running', view.error);
    assert.equal(view.plan.target, target.url);
    assert.ok(view.timeline.every((point) => point.users <= 4 && point.p95 !== null));
    const broken = view.requestRows.find((row) => row.name === 'broken')!;
    assert.equal(broken.errors, broken.requests, 'every /broken answer is an error');
    assert.equal(view.requestRows.find((row) => row.name === 'home')!.errors, 0);
    assert.equal(view.errorRows[0]!.type, 'http_status');
    assert.match(view.errorRows[0]!.messages[0]!.message, /503/);
    const later = await get<LiveRunView>(server, `/api/runs/${runId}/live?since=1000`);
    assert.deepEqual(later.timeline, [], '`since` skips the intervals the page has');

    assert.equal((await post(server, `/api/runs/${runId}/stop`, {})).status, 202);
    view = await pollUntil(live, (current) => current.state === 'finished' || current.state === 'crashed', 'the run to end');
    assert.equal(view.state, 'finished', view.error);
    assert.equal(view.status, 'aborted');

    const runs = await get<RunListEntry[]>(server, '/api/runs');
    assert.equal(runs[0]?.runId, runId);
    assert.equal(runs[0]?.status, 'aborted');
    assert.equal(runs[0]?.hasReport, true);
    const html = await rawRequest(server, { path: `/runs/${runId}/report.html`, headers: bearer(server) });
    assert.equal(html.status, 200);
    assert.ok(html.text.includes(runId));
    assert.equal((await rawRequest(server, { path: '/runs/no-such-run/report.html', headers: bearer(server) })).status, 404);
  } finally {
    await server.close();
    await target.close();
  }
});
