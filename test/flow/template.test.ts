import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileConstant, compileJsonTemplate, compileTemplate, renderTemplate, type Template, type TemplateScope } from '../../lib/flow/template.js';
import { problemsOf } from './input-problems.js';

const scope = (overrides: Partial<TemplateScope> = {}): TemplateScope => ({
  env: { API_KEY: 'k3y"1', EMPTY: '' },
  constants: new Map([['pageSize', compileConstant(20, {}, 'variables.pageSize')]]),
  slots: new Map([['token', 0], ['accounts.user', 1], ['count', 2]]),
  where: 'step "item"',
  ...overrides,
});
const values = ['tok-1', 'alice@example.com', 42];

test('names, data columns and variables render from the user values', () => {
  const template = compileTemplate('/users/{{ accounts.user }}/items?size={{pageSize}}&t={{ token }}', scope(), 'path');
  assert.equal(template.static, false);
  assert.equal(renderTemplate(template, values), '/users/alice@example.com/items?size=20&t=tok-1');
  assert.equal(renderTemplate(template, ['tok-2', 'bob', 0]), '/users/bob/items?size=20&t=tok-2', 'each render reads the values it is given');
  assert.equal(renderTemplate(compileTemplate('n={{ count }}', scope(), 'path'), values), 'n=42', 'a number renders as its digits');
});

test('text with only variables and ${env:…} is static, and says which env variables are in it', () => {
  const template = compileTemplate('Key ${env:API_KEY}; size {{ pageSize }}', scope(), 'headers.authorization');
  assert.deepEqual(template, { static: true, value: 'Key k3y"1; size 20', source: 'Key ${env:API_KEY}; size {{ pageSize }}', env: ['API_KEY'] });
  const plain = compileTemplate('/items', scope(), 'path');
  assert.deepEqual(plain, { static: true, value: '/items', source: '/items', env: [] });
});

test('an env value inside a dynamic template is its own part, marked with its name', () => {
  const template = compileTemplate('${env:API_KEY}:{{ token }}', scope(), 'headers.x');
  assert.equal(template.static, false);
  assert.deepEqual(template.env, ['API_KEY']);
  assert.deepEqual((template as Extract<Template, { static: false }>).parts[0], { kind: 'env', name: 'API_KEY', value: 'k3y"1' });
  assert.equal(renderTemplate(template, values), 'k3y"1:tok-1');
});

test('a variable may read the environment; then templates using it carry the env name', () => {
  const withSecret = scope({ constants: new Map([['apiKey', compileConstant('Bearer ${env:API_KEY}', { API_KEY: 's3cret' }, 'variables.apiKey')]]) });
  const template = compileTemplate('{{ apiKey }}', withSecret, 'headers.authorization');
  assert.deepEqual(template, { static: true, value: 'Bearer s3cret', source: '{{ apiKey }}', env: ['API_KEY'] });
  const problems = problemsOf(() => compileConstant('{{ token }}', {}, 'variables.x'));
  assert.deepEqual(problems[0]!.field, 'variables.x');
});

test('helpers: randomInt stays in its bounds, randomString has its length, uuid and now look right', () => {
  const template = compileTemplate('{{ randomInt(1, 3) }}|{{ randomString(8) }}|{{ uuid() }}|{{ now() }}', scope(), 'path');
  const seen = new Set<string>();
  for (let index = 0; index < 300; index++) {
    const [int, text, uuid, now] = renderTemplate(template, values).split('|');
    seen.add(int!);
    assert.match(text!, /^[A-Za-z0-9]{8}$/);
    assert.match(uuid!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(Math.abs(Number(now) - Date.now()) < 5_000);
  }
  assert.deepEqual([...seen].sort(), ['1', '2', '3'], 'both bounds are reachable, nothing outside them');
});

test('an unknown name is an InputError naming the field and the step, listing the known names', () => {
  const problems = problemsOf(() => compileTemplate('/items/{{ itemId2 }}', scope(), 'flows[0].steps[1].path'));
  assert.deepEqual(problems, [{ field: 'flows[0].steps[1].path', message: 'unknown name "itemId2"; known: pageSize, token, accounts.user, count (step "item")' }]);
});

test('an unknown helper, bad arguments, a bad expression, an unset env variable or an unclosed {{ are load-time errors', () => {
  const message = (text: string) => problemsOf(() => compileTemplate(text, scope(), 'path'))[0]!.message;
  assert.match(message('{{ random(1) }}'), /unknown helper "random"; known: randomInt, randomString, uuid, now/);
  assert.match(message('{{ randomInt(5, 1) }}'), /min is above max/);
  assert.match(message('{{ randomInt(1) }}'), /two whole numbers/);
  assert.match(message('{{ randomString(x) }}'), /arguments must be numbers or "double-quoted strings"/);
  assert.match(message('{{ uuid(1) }}'), /takes no arguments/);
  assert.match(message('{{ token + 1 }}'), /expected a name .* or a helper call/);
  assert.match(message('${env:NOT_SET_ANYWHERE}'), /the environment variable NOT_SET_ANYWHERE is not set/);
  assert.match(message('/a/{{ token'), /without its "}}"/);
  assert.match(message('${env:two words}'), /expected \$\{env:NAME\}/);
  assert.equal(compileTemplate('${env:EMPTY}', scope(), 'path').static, true, 'a variable set to the empty string is set');
});

test('a JSON body templates its string leaves, escapes values, and keeps the rest of its shape', () => {
  const body = { user: '{{ accounts.user }}', note: 'say "{{ token }}"', qty: 1, tags: ['a', '{{ count }}'], nested: { ok: true, none: null }, literal: 'a "quoted" word' };
  const template = compileJsonTemplate(body, scope(), 'json');
  const quoting = ['he said "hi"\n', 'x', 7];
  const parsed = JSON.parse(renderTemplate(template, quoting)) as unknown;
  assert.deepEqual(parsed, { user: 'x', note: 'say "he said "hi"\n"', qty: 1, tags: ['a', '7'], nested: { ok: true, none: null }, literal: 'a "quoted" word' });
  assert.equal(template.source, JSON.stringify(body));
  assert.deepEqual(compileJsonTemplate({ sku: 1234, qty: 1 }, scope(), 'json'), { static: true, value: '{"sku":1234,"qty":1}', source: '{"sku":1234,"qty":1}', env: [] });
  const secret = compileJsonTemplate({ key: '${env:API_KEY}' }, scope(), 'json');
  assert.equal(JSON.parse((secret as Extract<Template, { static: true }>).value).key, 'k3y"1', 'an env value with a quote stays valid JSON');
});

test('an unknown name in a JSON leaf names the leaf', () => {
  const problems = problemsOf(() => compileJsonTemplate({ items: [{ sku: '{{ sku }}' }] }, scope(), 'flows[1].steps[0].json'));
  assert.equal(problems[0]!.field, 'flows[1].steps[0].json.items[0].sku');
});

test('a compiled template is plain data: after a JSON round trip it renders the same', () => {
  const template = compileJsonTemplate({ a: '{{ token }}-{{ randomInt(7, 7) }}-${env:API_KEY}' }, scope(), 'json');
  const travelled = JSON.parse(JSON.stringify(template)) as Template;
  assert.equal(renderTemplate(travelled, values), renderTemplate(template, values));
  assert.equal(renderTemplate(travelled, values), '{"a":"tok-1-7-k3y\\"1"}');
});
