import { JSONPath } from 'jsonpath-plus';
import { CookieJar } from 'tough-cookie';
import { readScenarioFile } from '../../lib/config/run-settings.js';
import { runCaptures } from '../../lib/flow/capture.js';
import { failedChecks } from '../../lib/flow/checks.js';
import { compileFlows, type CompiledRequestStep } from '../../lib/flow/compile-flows.js';
import { UserCookieJar } from '../../lib/flow/cookie-jar.js';
import { dataColumnsOf, loadDataSets } from '../../lib/flow/data-files.js';
import { InspectedResponse } from '../../lib/flow/inspected-response.js';
import { compileJsonPath, firstMatch } from '../../lib/flow/json-path.js';
import { renderTemplate } from '../../lib/flow/template.js';
import { newUserValues } from '../../lib/flow/user-values.js';

/**
 * What the flow building blocks cost per request on one core, on scenarios/shop:
 * `node dist/bench/flow/flow-costs.js` (a few seconds; not part of `npm run bench`). Compare with
 * the engine's ~14 µs of CPU per request (docs/benchmarks.md).
 */
function measure(label: string, iterations: number, run: (index: number) => void): void {
  for (let index = 0; index < iterations / 10; index++) run(index);
  const started = process.hrtime.bigint();
  for (let index = 0; index < iterations; index++) run(index);
  const nanoseconds = Number(process.hrtime.bigint() - started) / iterations;
  console.log(`${label.padEnd(62)} ${(nanoseconds / 1000).toFixed(3).padStart(8)} µs  ${Math.round(1e9 / nanoseconds).toLocaleString('en-US').padStart(12)} /s`);
}

const scenario = await readScenarioFile('scenarios/shop/shop.yml');
const dataSets = await loadDataSets(scenario.data, 'scenarios/shop');
const compiled = compileFlows({ ...scenario, flows: scenario.flows! }, { env: {}, dataColumns: dataColumnsOf(dataSets) });
const values = newUserValues(compiled, dataSets, 3);
values[compiled.slots.indexOf('token')] = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
values[compiled.slots.indexOf('itemId')] = 1017;
const steps = [compiled.onStart[0], ...compiled.flows.flatMap((flow) => flow.steps)].filter((step): step is CompiledRequestStep => step?.kind === 'request');
const byName = Object.fromEntries(steps.map((step) => [step.name, step]));
const renderStep = (step: CompiledRequestStep) => {
  let length = renderTemplate(step.path, values).length;
  for (const header of step.headers) length += renderTemplate(header.value, values).length;
  if (step.body) length += renderTemplate(step.body, values).length;
  return length;
};

console.log('templates (path + headers + body of one step):');
measure('compileFlows(shop)', 2_000, () => compileFlows({ ...scenario, flows: scenario.flows! }, { env: {}, dataColumns: dataColumnsOf(dataSets) }));
for (const name of ['login', 'list', 'item', 'cart']) measure(`render step ${name}`, 1_000_000, () => renderStep(byName[name]!));
let next = 0;
measure('render the shop mix (login, list, item, cart in turn)', 1_000_000, () => renderStep(steps[next++ % steps.length]!));

console.log('captures and checks on one response:');
const listBody = Buffer.from(JSON.stringify({ items: Array.from({ length: 20 }, (_, index) => ({ id: 1000 + index, name: `item ${index}`, price: index * 1.5 })), page: 1 }));
measure('JSON.parse of the 2 KB list body alone', 200_000, () => JSON.parse(listBody.toString('utf8')));
measure('list: capture $.items[0].id (parse once + walk)', 200_000, () => runCaptures(byName.list!.captures, new InspectedResponse({ status: 200, headers: {}, body: listBody, durationMs: 3 }), values));
const itemBody = Buffer.from('{"id":1017,"name":"lamp","price":19.5}');
measure('item: checks status in [200], bodyContains "\\"id\\""', 1_000_000, () => failedChecks(byName.item!.checks, new InspectedResponse({ status: 200, headers: {}, body: itemBody, durationMs: 3 })));
measure('cart: capture header x-cart-id, check status in [201]', 1_000_000, () => {
  const response = new InspectedResponse({ status: 201, headers: { 'x-cart-id': 'c-77' }, body: Buffer.alloc(0), durationMs: 3 });
  runCaptures(byName.cart!.captures, response, values);
  failedChecks(byName.cart!.checks, response);
});

console.log('JSON path $.items[0].id on the parsed list body:');
const document = JSON.parse(listBody.toString('utf8')) as unknown;
const plain = compileJsonPath('$.items[0].id');
measure('compiled walk (fanout)', 2_000_000, () => firstMatch(plain, document));
measure('jsonpath-plus, eval: safe (filters on)', 100_000, () => JSONPath({ path: '$.items[0].id', json: document as object, wrap: true, eval: 'safe' }));
measure('jsonpath-plus, eval: false', 200_000, () => JSONPath({ path: '$.items[0].id', json: document as object, wrap: true, eval: false }));

console.log('cookies:');
const url = (index: number) => `http://127.0.0.1:8080/items/${index % 20}?page=2`;
const empty = new UserCookieJar();
measure('UserCookieJar.cookieHeader, user without cookies', 2_000_000, (index) => empty.cookieHeader(url(index)));
const session = new UserCookieJar();
session.store(['sid=abc123; Path=/; HttpOnly', 'theme=dark; Path=/'], 'http://127.0.0.1:8080/login');
measure('UserCookieJar.cookieHeader, 2 cookies, 20 paths in turn', 1_000_000, (index) => session.cookieHeader(url(index)));
measure('UserCookieJar.cookieHeader, 2 cookies, a new path each time', 1_000_000, (index) => session.cookieHeader(`http://127.0.0.1:8080/items/${index}`));
measure('UserCookieJar.store, one Set-Cookie', 50_000, (index) => session.store(`n${index % 5}=v${index}; Path=/`, 'http://127.0.0.1:8080/login'));
const tough = new CookieJar();
tough.setCookieSync('sid=abc123; Path=/; HttpOnly', 'http://127.0.0.1:8080/login');
tough.setCookieSync('theme=dark; Path=/', 'http://127.0.0.1:8080/login');
measure('tough-cookie getCookieStringSync alone, 2 cookies', 50_000, (index) => tough.getCookieStringSync(url(index)));
