import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario, readScenarioFile } from '../../lib/config/run-settings.js';
import { compileFlows, type CompiledRequestStep, type CompiledFlows } from '../../lib/flow/compile-flows.js';
import { dataColumnsOf, loadDataSets } from '../../lib/flow/data-files.js';
import type { FlowScenario } from '../../lib/flow/flow-schema.js';
import { renderTemplate } from '../../lib/flow/template.js';
import { newUserValues } from '../../lib/flow/user-values.js';
import { problemsOf } from './input-problems.js';

const scenarioOf = (document: Record<string, unknown>): FlowScenario => {
  const scenario = parseScenario({ target: 'http://127.0.0.1:1', ...document }, 'x.yml');
  return { ...scenario, flows: scenario.flows! };
};
const request = (compiled: CompiledFlows, flow: number, step: number) => compiled.flows[flow]!.steps[step] as CompiledRequestStep;

test('scenarios/shop compiles; a user logs in with its own row and sends the token it captured', async () => {
  const scenario = await readScenarioFile('scenarios/shop/shop.yml');
  const dataSets = await loadDataSets(scenario.data, 'scenarios/shop');
  const compiled = compileFlows({ ...scenario, flows: scenario.flows! }, { env: {}, dataColumns: dataColumnsOf(dataSets) });
  assert.deepEqual(compiled.slots, ['accounts.user', 'accounts.password', 'token', 'itemId', 'cartId']);
  assert.deepEqual(compiled.flows.map((flow) => [flow.name, flow.weight]), [['browse', 3], ['buy', 1]]);

  const values = newUserValues(compiled, dataSets, 2);
  const login = compiled.onStart[0] as CompiledRequestStep;
  assert.equal(login.method, 'POST');
  assert.deepEqual(JSON.parse(renderTemplate(login.body!, values)), { user: 'carol@example.com', password: 'tr0ub4dor-3' });
  assert.deepEqual(login.headers.map((header) => [header.name, renderTemplate(header.value, values)]), [['content-type', 'application/json']]);
  assert.deepEqual(login.captures.map((capture) => [capture.name, capture.from]), [['token', 'json']]);

  values[compiled.slots.indexOf('token')] = 'T1';
  values[compiled.slots.indexOf('itemId')] = 17;
  const item = request(compiled, 0, 1);
  assert.equal(renderTemplate(item.path, values), '/items/17');
  assert.equal(renderTemplate(item.headers[0]!.value, values), 'Bearer T1');
  assert.deepEqual(item.checks.map((check) => check.name), ['status in [200]', 'bodyContains "\\"id\\""']);
  assert.deepEqual(compiled.flows[0]!.steps[2], { kind: 'think', field: 'flows[0].steps[2]', minMs: 100, maxMs: 100 });
  const cart = JSON.parse(renderTemplate(request(compiled, 1, 0).body!, values)) as { sku: string; qty: number };
  assert.ok(Number(cart.sku) >= 1000 && Number(cart.sku) <= 9999 && cart.qty === 1);
});

test('a name is known only after the step that captures it, and only in the same flow', () => {
  const later = problemsOf(() =>
    compileFlows(scenarioOf({ flows: [{ name: 'f', steps: [{ name: 'first', path: '/a/{{ id }}' }, { path: '/b', capture: { id: { json: '$.id' } } }] }] }), { env: {}, dataColumns: {} }),
  );
  assert.deepEqual(later, [{ field: 'flows[0].steps[0].path', message: 'unknown name "id"; known: none (step "first")' }]);

  const ownStep = problemsOf(() =>
    compileFlows(scenarioOf({ flows: [{ name: 'f', steps: [{ path: '/a/{{ id }}', capture: { id: { json: '$.id' } } }] }] }), { env: {}, dataColumns: {} }),
  );
  assert.equal(ownStep[0]!.field, 'flows[0].steps[0].path', "a step cannot read its own capture");

  const otherFlow = problemsOf(() =>
    compileFlows(
      scenarioOf({
        flows: [
          { name: 'a', steps: [{ path: '/a', capture: { cartId: { header: 'x-cart-id' } } }] },
          { name: 'b', steps: [{ name: 'pay', path: '/pay', headers: { 'x-cart': '{{ cartId }}' } }] },
        ],
      }),
      { env: {}, dataColumns: {} },
    ),
  );
  assert.deepEqual(otherFlow, [{ field: 'flows[1].steps[0].headers.x-cart', message: 'unknown name "cartId"; known: none (step "pay")' }]);
});

test('onStart captures, variables, data columns and env are known in every flow; the source file prefixes fields', () => {
  const scenario = scenarioOf({
    variables: { apiKey: '${env:SHOP_KEY}', version: 3 },
    data: { accounts: { file: 'a.csv' } },
    onStart: [{ path: '/login', capture: { token: { json: '$.token' } } }],
    flows: [{ name: 'f', steps: [{ path: '/v{{ version }}/{{ accounts.user }}', headers: { authorization: '{{ token }}', 'x-key': '{{ apiKey }}' } }] }],
  });
  const compiled = compileFlows(scenario, { env: { SHOP_KEY: 'abc' }, dataColumns: { accounts: ['user', 'password'] } });
  assert.deepEqual(compiled.env, ['SHOP_KEY'], 'the env variables the plan must carry (as secrets)');
  const step = request(compiled, 0, 0);
  assert.deepEqual(step.headers[1]!.value, { static: true, value: 'abc', source: '{{ apiKey }}', env: ['SHOP_KEY'] });
  assert.equal(renderTemplate(step.path, ['u1', 'p1', 'T']), '/v3/u1');

  const problems = problemsOf(() => compileFlows(scenario, { env: {}, dataColumns: { accounts: ['user'] }, source: 'shop.yml' }));
  assert.deepEqual(problems, [{ field: 'shop.yml: variables.apiKey', message: 'the environment variable SHOP_KEY is not set' }]);
  const column = problemsOf(() =>
    compileFlows(scenarioOf({ data: { accounts: { file: 'a.csv' } }, flows: [{ name: 'f', steps: [{ path: '/{{ accounts.email }}' }] }] }), { env: {}, dataColumns: { accounts: ['user'] }, source: 'shop.yml' }),
  );
  assert.equal(column[0]!.field, 'shop.yml: flows[0].steps[0].path');
  assert.match(column[0]!.message, /unknown name "accounts.email"; known: accounts.user/);
});

test('a capture may not take the name of a variable or a data set; capturing a name again reuses its slot', () => {
  const clash = problemsOf(() =>
    compileFlows(scenarioOf({ variables: { token: 'x' }, flows: [{ name: 'f', steps: [{ path: '/', capture: { token: { status: true } } }] }] }), { env: {}, dataColumns: {} }),
  );
  assert.equal(clash[0]!.field, 'flows[0].steps[0].capture.token');
  const refreshed = compileFlows(
    scenarioOf({
      onStart: [{ path: '/login', capture: { token: { json: '$.t' } } }],
      flows: [{ name: 'f', steps: [{ path: '/refresh', capture: { token: { json: '$.t' } } }, { path: '/', headers: { a: '{{ token }}' } }] }],
    }),
    { env: {}, dataColumns: {} },
  );
  assert.deepEqual(refreshed.slots, ['token']);
});

test('compiling is deterministic and the result is plain JSON', async () => {
  const scenario = await readScenarioFile('scenarios/shop/shop.yml');
  const options = { env: {}, dataColumns: { accounts: ['user', 'password'] } };
  const compiled = compileFlows({ ...scenario, flows: scenario.flows! }, options);
  const again = compileFlows({ ...scenario, flows: scenario.flows! }, options);
  assert.deepEqual(again, compiled);
  assert.deepEqual(JSON.parse(JSON.stringify(compiled)), JSON.parse(JSON.stringify(again)));
  const travelled = JSON.parse(JSON.stringify(compiled)) as CompiledFlows;
  const values = ['u', 'p', 'T', 5, undefined];
  assert.equal(renderTemplate(request(travelled, 0, 1).path, values), renderTemplate(request(compiled, 0, 1).path, values));
});
