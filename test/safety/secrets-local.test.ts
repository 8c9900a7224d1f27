import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Report } from '../../lib/report/report-types.js';
import type { LiveRunView, RunListEntry } from '../../lib/ui/ui-api.js';
import { startUiServer } from '../../lib/ui/ui-server.js';
import { startRecordingTarget, type RecordingTarget } from '../helpers/recording-target.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/run-helpers.js';
import { filesHolding, filesUnder, secretsIn } from '../helpers/secret-scan.js';
import { apiCall, rawRequest } from '../ui/ui-http.js';

/**
 * A scenario whose requests carry credentials every way a scenario can: the target's user:pass@
 * (sent as Basic), an Authorization bearer token, x-api-key, a cookie, a header the scenario lists
 * as secret, a credential-like query parameter and one the scenario lists. The target must receive
 * every one of them; nothing fanout writes or prints may contain any.
 */
const USER = 'loadtester';
const PASSWORD = 'p4ss-Word-7781';
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
const BEARER = 'eyJhbGciOi.bearer-9f3a71c2';
const API_KEY = 'xk-header-55aa11';
const COOKIE = 'cookie-77bb22';
const TENANT = 'tenant-secret-3c4d';
const QUERY_KEY = 'qk-Secret-0987';
const SID = 'sid-value-6543';
const SECRETS = [PASSWORD, BASIC, BEARER, API_KEY, COOKIE, TENANT, QUERY_KEY, SID];

function scenarioText(target: RecordingTarget, duration = '2s'): string {
  return [
    'name: credentials',
    `target: http://${USER}:${PASSWORD}@127.0.0.1:${target.port}`,
    'secretHeaders: [x-tenant]',
    'secretQuery: [sid]',
    'requests:',
    `  - path: /items?api_key=${QUERY_KEY}&sid=${SID}&page=2`,
    '    headers:',
    `      authorization: Bearer ${BEARER}`,
    `      x-api-key: ${API_KEY}`,
    `      cookie: sess=${COOKIE}`,
    `      x-tenant: ${TENANT}`,
    '  - name: basic',
    '    path: /basic',
    'load:',
    '  users: 2',
    `  duration: ${duration}`,
  ].join('\n');
}

/** The target got every credential as written. */
function assertTargetReceivedSecrets(target: RecordingTarget): void {
  const requests = target.requests();
  const items = requests.find((request) => request.url.startsWith('/items'));
  const basic = requests.find((request) => request.url === '/basic');
  assert.ok(items && basic, 'both requests reached the target');
  assert.equal(items.url, `/items?api_key=${QUERY_KEY}&sid=${SID}&page=2`);
  assert.equal(items.headers.authorization, `Bearer ${BEARER}`);
  assert.equal(items.headers['x-api-key'], API_KEY);
  assert.equal(items.headers.cookie, `sess=${COOKIE}`);
  assert.equal(items.headers['x-tenant'], TENANT);
  assert.equal(basic.headers.authorization, `Basic ${BASIC}`);
}

test('fanout run: the target receives every credential; plan, report.json, report.html, the runs table and the console hold none', async () => {
  const target = await startRecordingTarget();
  const out = join(await tempDir(), 'runs');
  const folder = await tempDir();
  const file = join(folder, 'credentials.yml');
  await writeFile(file, scenarioText(target));
  try {
    const run = await runCli(['run', file, '--out', out], { timeoutMs: 60_000 });
    assert.equal(run.code, 0, run.stderr);
    assertTargetReceivedSecrets(target);
    const runId = /fanout plan (\S+)/.exec(run.stderr)![1]!;
    const status = await runCli(['status', runId, '--out', out]);
    const summary = await runCli(['report', runId, '--out', out]);
    const json = await runCli(['report', runId, '--out', out, '--json']);
    assert.equal(summary.code, 0, summary.stderr);

    for (const [what, text] of [['run', run.stdout + run.stderr], ['status', status.stdout + status.stderr], ['report', summary.stdout + summary.stderr], ['report --json', json.stdout]] as const) {
      assert.deepEqual(secretsIn(text, SECRETS), [], `fanout ${what} printed a secret`);
    }
    assert.deepEqual(await filesHolding(out, SECRETS), [], 'no file of the run holds a secret');

    // What was hidden is still told apart: each secret by a marker with its fingerprint.
    const plan = JSON.parse(await readFile(join(out, runId, 'plan.json'), 'utf8')) as { settings: { target: string; requests: Array<{ path: string; headers: Record<string, string> }> } };
    const [items, basic] = plan.settings.requests;
    assert.match(items!.headers.authorization!, /^Bearer ••••[0-9a-f]{6}$/);
    assert.match(items!.headers['x-tenant']!, /^••••[0-9a-f]{6}$/);
    assert.match(items!.path, /^\/items\?api_key=••••[0-9a-f]{6}&sid=••••[0-9a-f]{6}&page=2$/);
    assert.match(basic!.headers.authorization!, /^Basic ••••[0-9a-f]{6}$/);
    assert.equal(plan.settings.target, `http://127.0.0.1:${target.port}/`);
    const report = JSON.parse(json.stdout) as Report;
    assert.match(report.run.plan.requests[0]!.name, /^GET \/items\?api_key=••••[0-9a-f]{6}&sid=••••/);

    // The run's folder is its owner's alone: folders 0700, files 0600.
    const entries = await filesUnder(out);
    assert.ok(entries.length > 10);
    for (const entry of entries) assert.equal(entry.mode, entry.isDirectory ? 0o700 : 0o600, `${entry.path} is ${entry.mode.toString(8)}`);
  } finally {
    await target.close();
  }
});

test('fanout ui: a pasted scenario with credentials runs with them; no API answer, report or file shows them', async () => {
  const target = await startRecordingTarget();
  const out = await tempDir();
  const errors: string[] = [];
  const server = await startUiServer({ port: 0, outDir: out, scenarioDir: await tempDir(), logError: (message) => errors.push(message) });
  const answers: string[] = [];
  try {
    const started = await apiCall<{ runId: string }>(server, 'POST', '/api/runs', { scenarioText: scenarioText(target, '3s'), platform: 'local' });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const runId = started.body.runId;
    let view: LiveRunView;
    const giveUpAt = Date.now() + 60_000;
    do {
      const live = await rawRequest(server, { path: `/api/runs/${runId}/live`, headers: { authorization: `Bearer ${server.token}` } });
      answers.push(live.text);
      view = JSON.parse(live.text) as LiveRunView;
      assert.ok(Date.now() < giveUpAt, 'the run ended');
      await sleep(300);
    } while (view.state === 'running' || view.state === 'stopping');
    assert.equal(view.state, 'finished', view.error);
    assertTargetReceivedSecrets(target);

    for (const path of ['/api/runs', `/api/runs/${runId}/report`, `/runs/${runId}/report.html`]) {
      const answer = await rawRequest(server, { path, headers: { authorization: `Bearer ${server.token}` } });
      assert.equal(answer.status, 200, path);
      answers.push(answer.text);
    }
    const list = JSON.parse(answers[answers.length - 3]!) as RunListEntry[];
    assert.equal(list[0]!.target, `http://127.0.0.1:${target.port}/`);
    assert.deepEqual(secretsIn(answers.join('\n'), SECRETS), [], 'an answer of the UI holds a secret');
    assert.deepEqual(await filesHolding(out, SECRETS), []);
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
    await target.close();
  }
});
