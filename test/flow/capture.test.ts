import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCapture, runCaptures, type CompiledCapture } from '../../lib/flow/capture.js';
import type { CaptureSpec } from '../../lib/flow/flow-schema.js';
import { InspectedResponse, type ReceivedResponse } from '../../lib/flow/inspected-response.js';
import { problemsOf } from './input-problems.js';

const response = (body: string, headers: ReceivedResponse['headers'] = {}, status = 200) =>
  new InspectedResponse({ status, headers, body: Buffer.from(body), durationMs: 12 });
const captures = (specs: Record<string, CaptureSpec>): CompiledCapture[] =>
  Object.entries(specs).map(([name, spec], slot) => compileCapture(name, spec, slot, `capture.${name}`));

test('captures from a JSON path, a regex, a header and the status land in their slots', () => {
  const compiled = captures({
    token: { json: '$.token' },
    itemId: { json: '$.items[0].id' },
    cheap: { json: '$.items[?(@.price < 5)].id' },
    csrf: { regex: "name='csrf' value='([^']+)'" },
    whole: { regex: '\\d{3}-\\d{4}' },
    named: { regex: 'order (?<order>\\w+)', group: 'order' },
    cartId: { header: 'X-Cart-Id' },
    status: { status: true },
  });
  const body = JSON.stringify({ token: 'T', items: [{ id: 7, price: 9 }, { id: 8, price: 2 }], html: "<input name='csrf' value='c5rf'> call 555-1234, order A17" });
  const values: unknown[] = [];
  const failure = runCaptures(compiled, response(body, { 'x-cart-id': ['c-1', 'c-2'] }, 201), values);
  assert.equal(failure, undefined);
  assert.deepEqual(values, ['T', 7, 8, 'c5rf', '555-1234', 'A17', 'c-1', 201]);
});

test('a capture that finds nothing names itself and says why; the ones after it do not run', () => {
  const compiled = captures({ token: { json: '$.token' }, itemId: { json: '$.items[0].id' }, later: { status: true } });
  const values: unknown[] = [];
  assert.deepEqual(runCaptures(compiled, response('{"token":"T","items":[]}'), values), { capture: 'itemId', reason: 'no match for $.items[0].id' });
  assert.deepEqual(values, ['T'], 'later captures did not run');
  assert.deepEqual(runCaptures(compiled, response('<html>busy</html>'), []), { capture: 'token', reason: 'the body is not JSON' });
  assert.deepEqual(runCaptures(captures({ cartId: { header: 'x-cart-id' } }), response(''), []), { capture: 'cartId', reason: 'no x-cart-id header' });
  assert.deepEqual(runCaptures(captures({ csrf: { regex: 'csrf=(\\w+)' } }), response('none here'), []), { capture: 'csrf', reason: 'no match for /csrf=(\\w+)/' });
  const optional = runCaptures(captures({ maybe: { regex: 'a(b)?', group: 1 } }), response('a'), []);
  assert.equal(optional?.capture, 'maybe');
});

test('a JSON null is a value; a missing key or a key of the prototype is not', () => {
  const values: unknown[] = [];
  assert.equal(runCaptures(captures({ none: { json: '$.none' } }), response('{"none":null}'), values), undefined);
  assert.deepEqual(values, [null]);
  assert.equal(runCaptures(captures({ proto: { json: '$.constructor' } }), response('{}'), [])?.capture, 'proto');
});

test('a regex group that the pattern does not have is refused when the scenario loads', () => {
  const [numbered] = problemsOf(() => compileCapture('x', { regex: 'a(b)', group: 2 }, 0, 'flows[0].steps[0].capture.x'));
  assert.deepEqual(numbered, { field: 'flows[0].steps[0].capture.x.group', message: 'the pattern has only 1 group' });
  const [named] = problemsOf(() => compileCapture('x', { regex: 'a(?<b>b)', group: 'c' }, 0, 'capture.x'));
  assert.equal(named!.message, 'the pattern has no group named c');
});

test('the body is parsed as JSON once per response, and not at all when no capture needs it', () => {
  const original = JSON.parse;
  let parses = 0;
  JSON.parse = ((text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => {
    parses++;
    return original(text, reviver);
  }) as typeof JSON.parse;
  try {
    const inspected = response('{"a":1,"b":2}', { 'x-id': '9' });
    runCaptures(captures({ a: { json: '$.a' }, b: { json: '$.b' } }), inspected, []);
    runCaptures(captures({ a: { json: '$.a' } }), inspected, []);
    assert.equal(parses, 1);
    runCaptures(captures({ id: { header: 'x-id' }, status: { status: true } }), response('{"a":1}', { 'x-id': '9' }), []);
    assert.equal(parses, 1, 'header and status captures leave the body alone');
  } finally {
    JSON.parse = original;
  }
});
