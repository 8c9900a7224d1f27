import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSONPath } from 'jsonpath-plus';
import { compileJsonPath, firstMatch } from '../../lib/flow/json-path.js';

const document = {
  token: 'T',
  items: [{ id: 1, name: 'a b', tags: ['x'] }, { id: 2, price: 3 }],
  'odd key': { 'a-b': 5 },
  empty: null,
  zero: 0,
};

test('plain paths are walked directly and agree with jsonpath-plus on what they find', () => {
  for (const path of ['$.token', '$.items[0].id', '$.items[1].price', '$.items[0].tags[0]', "$['odd key']['a-b']", '$.empty', '$.zero', '$.items.length', '$.missing', '$.items[5].id', '$.token.length', '$.constructor', '$']) {
    const compiled = compileJsonPath(path);
    const library = JSONPath({ path, json: document, wrap: true, eval: 'safe' }) as unknown[];
    const expected = library.length > 0 ? { found: true, value: library[0] } : { found: false };
    assert.deepEqual(firstMatch(compiled, document), expected, path);
  }
  assert.deepEqual(compileJsonPath('$.items[0].id').segments, ['items', '0', 'id']);
});

test('wildcards, recursive descent and filters are left to jsonpath-plus', () => {
  assert.equal(compileJsonPath('$..id').segments, null);
  assert.deepEqual(firstMatch(compileJsonPath('$..id'), document), { found: true, value: 1 });
  assert.deepEqual(firstMatch(compileJsonPath('$.items[*].id'), document), { found: true, value: 1 });
  assert.deepEqual(firstMatch(compileJsonPath('$.items[?(@.price > 2)].id'), document), { found: true, value: 2 });
  assert.deepEqual(firstMatch(compileJsonPath('$.items[?(@.price > 9)].id'), document), { found: false });
  assert.deepEqual(firstMatch(compileJsonPath('$..id'), 42), { found: false }, 'a bare number has no fields');
});
