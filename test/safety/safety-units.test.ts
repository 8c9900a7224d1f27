import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario, resolveRunSettings } from '../../lib/config/run-settings.js';
import type { ScenarioInput } from '../../lib/config/scenario-schema.js';
import { INPUT_LIMITS, NODE_TIMER_MAX_MS } from '../../lib/config/input-limits.js';
import { findQuotaShortfall } from '../../lib/coordinator/check-quotas.js';
import { workerTailMs } from '../../lib/cost/worker-concurrency.js';
import { isAllowedTarget, parseTargetPatterns } from '../../lib/guard/allowed-targets.js';
import { answerApiEvent } from '../../lib/lambda/answer-api-event.js';
import type { ApiDeps } from '../../lib/lambda/handle-api-request.js';
import { planRun } from '../../lib/plan/run-plan.js';
import { SecretCollector } from '../../lib/secrets/collect-secrets.js';
import { scrubCredentialPatterns } from '../../lib/secrets/credential-patterns.js';
import { isSecretHeader, isSecretQueryParameter } from '../../lib/secrets/credential-names.js';
import { Redactor } from '../../lib/secrets/redactor.js';
import { sealSettings, unsealPlan } from '../../lib/secrets/sealed-settings.js';
import { scrubWorkerOutput } from '../../lib/secrets/scrub-worker-output.js';

const settingsOf = (scenario: ScenarioInput) => resolveRunSettings(parseScenario(scenario, 'test'));

const withToken = (token: string): ScenarioInput => ({
  target: 'http://127.0.0.1:9',
  requests: [{ path: `/a?access_token=${token}&q=shoes`, headers: { authorization: `Bearer ${token}` } }],
  load: { users: 1 },
});

test('a secret shows as ••••<fingerprint>: the same secret the same in every run, different secrets different', () => {
  const first = sealSettings(settingsOf(withToken('token-aaaa-1111')));
  const again = sealSettings(settingsOf(withToken('token-aaaa-1111')));
  const rotated = sealSettings(settingsOf(withToken('token-bbbb-2222')));
  const shown = (sealed: typeof first) => sealed.settings.requests[0]!.headers.authorization!;
  assert.match(shown(first), /^Bearer ••••[0-9a-f]{6}$/);
  assert.equal(shown(again), shown(first));
  assert.notEqual(shown(rotated), shown(first));
  assert.equal(first.settings.requests[0]!.path, `/a?access_token=${shown(first).slice('Bearer '.length)}&q=shoes`);
  assert.equal(first.settings.requests[0]!.name, `GET /a?access_token=${shown(first).slice('Bearer '.length)}&q=shoes`);
});

test('a worker gets exactly the settings back; what it reports has the secrets hidden again, bytes untouched', () => {
  const settings = settingsOf({
    target: 'http://u:pw-1234@127.0.0.1:9/base',
    secretHeaders: ['x-tenant'],
    requests: [
      { name: 'login', method: 'POST', path: '/login?sig=abcd-ef', headers: { 'x-tenant': 'tenant-9', cookie: 'a=1; b=2' }, json: { note: 'sig is abcd-ef', n: 1 } },
      { path: '/plain' },
    ],
    load: { users: 1 },
  });
  const sealed = sealSettings(settings);
  assert.doesNotMatch(JSON.stringify(sealed.settings), /abcd-ef|tenant-9|a=1; b=2|pw-1234/);
  const plan = planRun(sealed.settings, { platform: 'local', sealedSecrets: sealed.secrets.entries.length });
  assert.equal(plan.sealedSecrets, sealed.secrets.entries.length);
  const runnable = unsealPlan(plan, sealed.secrets);
  assert.deepEqual(runnable.settings, settings);

  const histogram = new Uint8Array([1, 2, 3]);
  const byName: Record<string, { requests: number; latency: Uint8Array }> = { 'POST /base/login?sig=abcd-ef': { requests: 1, latency: histogram } };
  const output = scrubWorkerOutput(
    {
      byName,
      errorSamples: [{ type: 'other', message: 'tenant-9 refused https://x.test/?token=t-1', count: 1 }],
    },
    sealed.redactor,
  );
  const [name] = Object.keys(output.byName);
  assert.match(name!, /^POST \/base\/login\?sig=••••[0-9a-f]{6}$/);
  assert.equal(output.byName[name!]!.latency, histogram);
  assert.match(output.errorSamples[0]!.message, /^••••[0-9a-f]{6} refused https:\/\/x\.test\/\?token=••••$/);
});

test('redaction is one pass: a secret that looks like another\'s marker is not replaced inside it', () => {
  const collector = new SecretCollector();
  collector.add('long-secret-value');
  const first = collector.collect().entries[0]!;
  const lookalike = first.marker.slice(4, 8);
  const redactor = new Redactor([first, { value: lookalike, marker: '••••999999', alternates: [] }]);
  const text = `a long-secret-value and ${lookalike}`;
  assert.equal(redactor.text(text), `a ${first.marker} and ••••999999`);
  assert.equal(redactor.restore(redactor.seal(text)), text);
});

test('credential names: the listed ones, the scenario\'s own, and names whose words say so', () => {
  for (const name of ['Authorization', 'proxy-authorization', 'Cookie', 'x-api-key', 'X-Auth-Token', 'x-csrf-token', 'apiKey']) assert.ok(isSecretHeader(name), name);
  for (const name of ['accept', 'content-type', 'x-request-id', 'keep-alive']) assert.ok(!isSecretHeader(name), name);
  assert.ok(isSecretHeader('x-tenant', ['X-Tenant']));
  for (const name of ['api_key', 'apiKey', 'access_token', 'X-Amz-Signature', 'X-Amz-Credential', 'password', 'client_secret', 'auth']) assert.ok(isSecretQueryParameter(name), name);
  for (const name of ['q', 'page', 'keyword', 'sort', 'monkey']) assert.ok(!isSecretQueryParameter(name), name);
  assert.ok(isSecretQueryParameter('sid', ['sid']));
});

test('text whose secrets are not known by value: credentials are recognised by their shape', () => {
  const text = 'GET https://bob:hunter22@api.test/x?api_key=k-1&page=2 failed; authorization: Bearer abc.def.ghi; "x-api-key":"zzz-1"; token=t0k3n';
  const scrubbed = scrubCredentialPatterns(text);
  assert.doesNotMatch(scrubbed, /hunter22|k-1|abc\.def|zzz-1|t0k3n|bob:/);
  assert.match(scrubbed, /page=2/);
  assert.match(scrubbed, /api_key=••••/);
  // A mistyped URL as an error message echoes it, and a parenthesis closes a value.
  assert.equal(scrubCredentialPatterns('got "http//bob:hunter22@x.test" (?token=t-1) in'), 'got "http//••••@x.test" (?token=••••) in');
});

test('allowedTargets: exact names, names under a domain, address prefixes that admit no name', () => {
  const patterns = parseTargetPatterns('api.example.com, *.internal.example.com, 10.0.*');
  const allowed = (url: string) => isAllowedTarget(url, patterns);
  assert.ok(allowed('https://api.example.com/x'));
  assert.ok(allowed('http://a.b.internal.example.com:8080'));
  assert.ok(allowed('http://10.0.3.4'));
  assert.ok(!allowed('https://internal.example.com'));
  assert.ok(!allowed('https://evilinternal.example.com'));
  assert.ok(!allowed('https://api.example.com.evil.test'));
  assert.ok(!allowed('http://10.0.evil.test'), 'an address prefix admits no name');
  assert.ok(!allowed('http://10.1.0.1'));
  assert.ok(isAllowedTarget('http://anything.test', []), 'no patterns: any target');
});

test('the concurrency headroom is kept free of a run: a share of the pool or a number of executions', () => {
  const quotas = { unreservedAccountConcurrency: 100, workerReservedConcurrency: undefined };
  assert.equal(findQuotaShortfall(78, quotas, { percent: 20 }), undefined);
  assert.equal(findQuotaShortfall(79, quotas, { percent: 20 })?.needed, 101);
  assert.equal(findQuotaShortfall(48, quotas, { executions: 50 }), undefined);
  assert.match(findQuotaShortfall(49, quotas, { executions: 50 })!.message, /50 kept free .*concurrencyHeadroom, 50/);
  // A worker with reserved concurrency draws from its own pool: the account's is untouched.
  assert.equal(findQuotaShortfall(10, { unreservedAccountConcurrency: 0, workerReservedConcurrency: 10 }, { percent: 50 }), undefined);
});

test('no timer of the longest run the input allows reaches Node\'s 2^31 ms limit', () => {
  const settings = settingsOf({ target: 'http://127.0.0.1:9', load: { users: 1, duration: INPUT_LIMITS.durationText, timeout: INPUT_LIMITS.durationText } });
  const plan = planRun(settings, { platform: 'local' });
  // The longest wait a run sets: the local run's deadline (planned end, drain, straggler grace) from its start.
  const longestWaitMs = 1000 + plan.totalDurationMs + workerTailMs(settings.timeoutMs) + 10_000;
  assert.ok(longestWaitMs < NODE_TIMER_MAX_MS, `${longestWaitMs} ms`);
});

test('the API answers an unexpected failure with a request id only; the detail, credentials hidden, goes to the log', async () => {
  const logged: string[] = [];
  const failing = () => {
    throw new Error('AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/fanout-api/x is not authorized; url https://h.test/?token=abc-123');
  };
  const answer = await answerApiEvent(
    { routeKey: 'GET /runs/{id}', pathParameters: { id: 'r-1' }, requestContext: { requestId: 'req-42' } },
    () => ({ results: { getRun: failing } }) as unknown as ApiDeps,
    { logError: (message) => logged.push(message) },
  );
  assert.equal(answer.statusCode, 500);
  const body = JSON.parse(String(answer.body)) as { error: string; requestId: string; message: string };
  assert.deepEqual([body.error, body.requestId], ['internal', 'req-42']);
  assert.doesNotMatch(String(answer.body), /arn:|AccessDenied|123456789012/);
  assert.equal(logged.length, 1);
  assert.match(logged[0]!, /request req-42 \(GET \/runs\/\{id\}\) failed: .*arn:aws:sts::123456789012/);
  assert.doesNotMatch(logged[0]!, /abc-123/);
});
