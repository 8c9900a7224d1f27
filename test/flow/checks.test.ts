import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileChecks, failedChecks } from '../../lib/flow/checks.js';
import type { ExpectSpec } from '../../lib/flow/flow-schema.js';
import { InspectedResponse } from '../../lib/flow/inspected-response.js';

const response = (status: number, body: string, durationMs = 10) => new InspectedResponse({ status, headers: {}, body: Buffer.from(body), durationMs });

const expect: ExpectSpec = {
  status: [200, 201],
  bodyContains: '"id"',
  json: [{ path: '$.items', exists: true }, { path: '$.error', exists: false }, { path: '$.kind', equals: 'list' }, { path: '$.meta', equals: { page: 1 } }],
  maxDuration: 500,
};

test('every check has the name the report shows', () => {
  assert.deepEqual(compileChecks(expect).map((check) => check.name), [
    'status in [200, 201]',
    'bodyContains "\\"id\\""',
    'json $.items exists',
    'json $.error does not exist',
    'json $.kind == "list"',
    'json $.meta == {"page":1}',
    'duration <= 500ms',
  ]);
  assert.deepEqual(compileChecks(undefined), []);
});

test('a response that meets every expectation fails no check', () => {
  const body = JSON.stringify({ items: [{ id: 1 }], kind: 'list', meta: { page: 1 } });
  assert.deepEqual(failedChecks(compileChecks(expect), response(201, body, 499.9)), []);
});

test('each failed check is named; all checks are evaluated, so each has a pass rate', () => {
  const body = JSON.stringify({ error: 'sold out', kind: 'List', meta: { page: '1' } });
  assert.deepEqual(failedChecks(compileChecks(expect), response(503, body, 750)), [
    'status in [200, 201]',
    'bodyContains "\\"id\\""',
    'json $.items exists',
    'json $.error does not exist',
    'json $.kind == "list"',
    'json $.meta == {"page":1}',
    'duration <= 500ms',
  ]);
});

test('JSON checks fail on a body that is not JSON, "does not exist" included', () => {
  const checks = compileChecks({ json: [{ path: '$.error', exists: false }], bodyContains: 'Bad Gateway' });
  assert.deepEqual(failedChecks(checks, response(502, '<h1>Bad Gateway</h1>')), ['json $.error does not exist']);
});

test('equals is strict: 1 is not "1", null is a value', () => {
  const checks = compileChecks({ json: [{ path: '$.n', equals: 1 }, { path: '$.z', equals: null }] });
  assert.deepEqual(failedChecks(checks, response(200, '{"n":"1","z":null}')), ['json $.n == 1']);
});
