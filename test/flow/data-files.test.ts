import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDataRows, dataColumnsOf, loadDataSets, MAX_DATA_BYTES, rowFor, seedOf } from '../../lib/flow/data-files.js';
import { compileFlows } from '../../lib/flow/compile-flows.js';
import { newUserValues, userData } from '../../lib/flow/user-values.js';
import { parseScenario } from '../../lib/config/run-settings.js';
import { problemsOf, problemsOfAsync } from './input-problems.js';

const folders: string[] = [];
after(() => Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true }))));

async function scenarioFolder(files: Record<string, string>): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'fanout-data-'));
  folders.push(folder);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(folder, name, '..'), { recursive: true });
    await writeFile(join(folder, name), text);
  }
  return folder;
}

test('CSV (header row) and JSON (array of objects) files are read relative to the scenario folder', async () => {
  const folder = await scenarioFolder({
    'data/accounts.csv': '\ufeffuser,password\r\nalice,"pa,ss"\r\nbob,"say ""hi"""\r\n\r\n',
    'products.json': JSON.stringify([{ sku: 1001, name: 'lamp', onSale: true }, { sku: 1002, name: 'desk', onSale: false }]),
  });
  const dataSets = await loadDataSets({ accounts: { file: 'data/accounts.csv', pick: 'unique' }, products: { file: 'products.json', pick: 'random' } }, folder);
  assert.deepEqual(dataSets.accounts, { name: 'accounts', file: 'data/accounts.csv', pick: 'unique', columns: ['user', 'password'], rows: [['alice', 'pa,ss'], ['bob', 'say "hi"']] });
  assert.deepEqual(dataSets.products!.rows, [[1001, 'lamp', true], [1002, 'desk', false]]);
  assert.deepEqual(dataColumnsOf(dataSets), { accounts: ['user', 'password'], products: ['sku', 'name', 'onSale'] });
  assert.deepEqual(JSON.parse(JSON.stringify(dataSets)), dataSets, 'loaded data is plain JSON, to travel with the plan');
});

test('unique gives every user its own row; too few rows stop the run before it starts, with both numbers', async () => {
  const folder = await scenarioFolder({ 'accounts.csv': 'user\n' + Array.from({ length: 12 }, (_, index) => `u${index}`).join('\n') });
  const dataSets = await loadDataSets({ accounts: { file: 'accounts.csv', pick: 'unique' } }, folder);
  checkDataRows(dataSets, 12);
  assert.deepEqual(problemsOf(() => checkDataRows(dataSets, 20, 'shop.yml')), [{ field: 'shop.yml: data.accounts', message: '20 users need 20 unique rows, accounts.csv has 12' }]);
  const rows = Array.from({ length: 12 }, (_, user) => rowFor('unique', user, 12));
  assert.equal(new Set(rows).size, 12);
  assert.throws(() => rowFor('unique', 12, 12), RangeError);
  checkDataRows({ ...dataSets, accounts: { ...dataSets.accounts!, pick: 'sequential' } }, 1000);
});

test('sequential wraps around the rows; random is spread, and stable for a user', () => {
  assert.deepEqual(Array.from({ length: 7 }, (_, user) => rowFor('sequential', user, 3)), [0, 1, 2, 0, 1, 2, 0]);
  const seed = seedOf('run-1/accounts');
  const picks = Array.from({ length: 3000 }, (_, user) => rowFor('random', user, 10, seed));
  assert.deepEqual(picks, Array.from({ length: 3000 }, (_, user) => rowFor('random', user, 10, seed)), 'the same user gets the same row again');
  const counts = new Array<number>(10).fill(0);
  for (const row of picks) counts[row]!++;
  assert.ok(counts.every((count) => count > 200 && count < 400), `spread over the rows: ${counts.join(', ')}`);
  const otherSeed = Array.from({ length: 100 }, (_, user) => rowFor('random', user, 10, seedOf('run-2/accounts')));
  assert.notDeepEqual(otherSeed, picks.slice(0, 100), 'another run (or data set) picks differently');
});

test('a new user takes its row into the slots the templates read', async () => {
  const folder = await scenarioFolder({ 'accounts.csv': 'user,password\na,1\nb,2\nc,3\n' });
  const scenario = parseScenario({ target: 'http://127.0.0.1:1', data: { accounts: { file: 'accounts.csv', pick: 'sequential' } }, flows: [{ name: 'f', steps: [{ path: '/{{ accounts.user }}' }] }] }, 'x.yml');
  const dataSets = await loadDataSets(scenario.data, folder);
  const compiled = compileFlows({ ...scenario, flows: scenario.flows! }, { env: {}, dataColumns: dataColumnsOf(dataSets) });
  assert.deepEqual(newUserValues(compiled, dataSets, 4), ['b', '2']);
  assert.deepEqual(userData(dataSets, 4), { accounts: { user: 'b', password: '2' } }, "a scenario module's user.data holds the same row");
});

test('bad data files are named with the data set and the file', async () => {
  const folder = await scenarioFolder({
    'empty.csv': '',
    'header-only.csv': 'user,password\n',
    'ragged.csv': 'user,password\na,1\nb\n',
    'twice.csv': 'user,user\na,b\n',
    'object.json': '{"user":"a"}',
    'mixed.json': '[{"user":"a"},{"name":"b"}]',
    'nested.json': '[{"user":{"id":1}}]',
    'accounts.txt': 'a',
  });
  const message = async (file: string) => (await problemsOfAsync(() => loadDataSets({ d: { file, pick: 'sequential' } }, folder, 'x.yml')))[0]!;
  assert.deepEqual(await message('missing.csv'), { field: 'x.yml: data.d', message: `missing.csv: cannot read it (ENOENT; looked for ${join(folder, 'missing.csv')})` });
  assert.match((await message('empty.csv')).message, /^empty.csv: is empty/);
  assert.match((await message('header-only.csv')).message, /no rows/);
  assert.match((await message('ragged.csv')).message, /not valid CSV: .*line 3/);
  assert.match((await message('twice.csv')).message, /names "user" twice/);
  assert.match((await message('object.json')).message, /expected a non-empty JSON array of objects/);
  assert.match((await message('mixed.json')).message, /item 1 has fields name; every item needs the fields of item 0: user/);
  assert.match((await message('nested.json')).message, /item 0, field user: expected a string, number, boolean or null/);
  assert.match((await message('accounts.txt')).message, /expected a \.csv file/);
});

test('data files above the size limit are refused, saying the limit', async () => {
  const folder = await scenarioFolder({ 'big.csv': '' });
  await truncate(join(folder, 'big.csv'), MAX_DATA_BYTES + 1);
  const [problem] = await problemsOfAsync(() => loadDataSets({ big: { file: 'big.csv', pick: 'sequential' } }, folder));
  assert.equal(problem!.field, 'data.big');
  assert.match(problem!.message, /at most 10 MB .*10\.0 MB/);
});
