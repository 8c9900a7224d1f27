import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settingsFromCli } from '../../lib/config/cli-settings.js';
import { parseScenario, readScenarioFile } from '../../lib/config/run-settings.js';
import { flowDocumentOf } from '../../lib/flow/flow-document.js';
import { isThinkStep, type RequestStep } from '../../lib/flow/flow-schema.js';
import { problemsOf } from './input-problems.js';

const flow = (steps: unknown[]) => ({ target: 'http://127.0.0.1:1', flows: [{ name: 'f', steps }] });

test('scenarios/shop/shop.yml is accepted as written: data, onStart, weighted flows, think steps', async () => {
  const scenario = await readScenarioFile('scenarios/shop/shop.yml');
  assert.deepEqual(scenario.data, { accounts: { file: 'accounts.csv', pick: 'unique' } });
  assert.equal(scenario.onStart?.length, 1);
  assert.deepEqual(scenario.flows?.map((flow) => [flow.name, flow.weight, flow.steps.length]), [['browse', 3, 3], ['buy', 1, 1]]);
  const [list, item, think] = scenario.flows![0]!.steps;
  assert.deepEqual((list as RequestStep).capture, { itemId: { json: '$.items[0].id' } });
  assert.deepEqual((item as RequestStep).expect, { status: [200], bodyContains: '"id"' });
  assert.ok(isThinkStep(think!));
  assert.deepEqual(think.think, { minMs: 100, maxMs: 100 });
  const cart = scenario.flows![1]!.steps[0] as RequestStep;
  assert.equal(cart.method, 'POST');
  assert.equal(cart.redirects, 10, 'redirects are followed by default, at most 10');
  assert.deepEqual(cart.capture, { cartId: { header: 'x-cart-id' } });
  // As the CLI resolves it: the data file read into the scenario (its folder), then the settings.
  const settings = await settingsFromCli('scenarios/shop/shop.yml', {});
  assert.equal(settings.levels[0], 10);
  assert.equal(settings.flows?.dataSets.accounts?.rows.length, 12);
});

test('requests: still works unchanged, and cannot be mixed with flows', () => {
  const requests = parseScenario({ target: 'http://127.0.0.1:1', requests: [{ path: '/', expect: { status: [200] } }] }, 'x.yml');
  assert.equal(requests.requests?.length, 1);
  const problems = problemsOf(() => parseScenario({ ...flow([{ path: '/' }]), requests: [{ path: '/' }] }, 'x.yml'));
  assert.deepEqual(problems, [{ field: 'x.yml: flows', message: 'give either requests or flows, not both' }]);
});

test('onStart, data and variables are refused without flows, naming each', () => {
  const problems = problemsOf(() =>
    parseScenario({ target: 'http://127.0.0.1:1', requests: [{ path: '/' }], onStart: [{ path: '/login' }], variables: { a: 1 }, data: { d: { file: 'd.csv' } } }, 'x.yml'),
  );
  assert.deepEqual(problems.map((problem) => problem.field).sort(), ['x.yml: data', 'x.yml: onStart', 'x.yml: variables']);
  assert.match(problems[0]!.message, /only applies with flows/);
});

test('a mistake in a step is reported on its field, for request and think steps alike', () => {
  const problems = problemsOf(() =>
    parseScenario(flow([{ path: 'items' }, { path: '/', methd: 'GET' }, { think: 'soon' }, { think: '1s', path: '/' }, { path: '/', redirects: -1 }]), 'x.yml'),
  );
  assert.deepEqual(problems.map((problem) => problem.field), [
    'x.yml: flows[0].steps[0].path',
    'x.yml: flows[0].steps[1].methd',
    'x.yml: flows[0].steps[2].think',
    'x.yml: flows[0].steps[3].path',
    'x.yml: flows[0].steps[4].redirects',
  ]);
  assert.equal(problems[1]!.message, 'unknown field');
  assert.match(problems[2]!.message, /expected a duration/);
});

test('a capture takes exactly one source; a bad regex or a group without regex is named', () => {
  const problems = problemsOf(() =>
    parseScenario(
      flow([{ path: '/', capture: { both: { json: '$.a', header: 'x' }, none: {}, bad: { regex: '(' }, stray: { header: 'x', group: 1 }, 'not-a-name': { status: true } } }]),
      'x.yml',
    ),
  );
  const byField = Object.fromEntries(problems.map((problem) => [problem.field.replace('x.yml: flows[0].steps[0].capture.', ''), problem.message]));
  assert.match(byField.both!, /exactly one of json, regex, header, status, not json and header/);
  assert.match(byField.none!, /exactly one of/);
  assert.match(byField['bad.regex']!, /not a valid regular expression/);
  assert.match(byField['stray.group']!, /only applies to regex/);
  assert.ok(problems.some((problem) => problem.field.endsWith('capture.not-a-name')), JSON.stringify(problems));
});

test('expect takes status, bodyContains, JSON path checks and a maximum duration', () => {
  const scenario = parseScenario(
    flow([{ path: '/', expect: { status: [200, '201'], bodyContains: 'ok', json: [{ path: '$.a', equals: null }, { path: '$.b', exists: false }, { path: '$.c' }], maxDuration: '1.5s' } }]),
    'x.yml',
  );
  const expect = (scenario.flows![0]!.steps[0] as RequestStep).expect!;
  assert.deepEqual(expect.status, [200, 201]);
  assert.equal(expect.maxDuration, 1500);
  assert.ok('equals' in expect.json![0]! && expect.json![0]!.equals === null, 'equals: null is a value to compare with');
  const problems = problemsOf(() => parseScenario(flow([{ path: '/', expect: { json: [{ path: '$.a', equals: 1, exists: true }] } }]), 'x.yml'));
  assert.equal(problems[0]!.message, 'give equals or exists, not both');
});

test('flow names are unique, data picks are named, variables are strings or numbers', () => {
  const problems = problemsOf(() =>
    parseScenario(
      {
        target: 'http://127.0.0.1:1',
        variables: { ok: 'a', n: 2, bad: { nested: true } },
        data: { d: { file: 'd.csv', pick: 'shuffled' } },
        flows: [{ name: 'f', steps: [{ path: '/' }] }, { name: 'f', steps: [{ path: '/' }] }],
      },
      'x.yml',
    ),
  );
  assert.deepEqual(problems.map((problem) => problem.field).sort(), ['x.yml: data.d.pick', 'x.yml: flows[1].name', 'x.yml: variables.bad']);
  assert.match(problems.find((problem) => problem.field.endsWith('pick'))!.message, /unique, sequential, random/);
});

test('a validated scenario written back as a document parses to the same flows (how flows travel to workers)', async () => {
  const scenario = await readScenarioFile('scenarios/shop/shop.yml');
  const withDurations = parseScenario(flow([{ think: { min: '1s', max: '2s' } }, { path: '/', expect: { maxDuration: '250ms' } }]), 'x.yml');
  for (const original of [scenario, withDurations]) {
    const document = { target: 'http://127.0.0.1:1', ...flowDocumentOf({ ...original, flows: original.flows! }) };
    const again = parseScenario(JSON.parse(JSON.stringify(document)), 'plan');
    assert.deepEqual(
      { variables: again.variables, data: again.data, onStart: again.onStart, flows: again.flows },
      { variables: original.variables, data: original.data, onStart: original.onStart, flows: original.flows },
    );
  }
});
