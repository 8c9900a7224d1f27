import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataSets } from '../../lib/flow/data-files.js';
import type { FlowRequest, VirtualUser } from '../../lib/index.js';
import { bundleScenarioModule } from '../../lib/scenario-module/bundle-scenario-module.js';
import { loadScenarioModule } from '../../lib/scenario-module/load-scenario-module.js';
import { isScenarioModulePath, readScenarioModule } from '../../lib/scenario-module/read-scenario-module.js';
import { problemsOfAsync } from './input-problems.js';

const folders: string[] = [];
after(() => Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true }))));

/** A folder outside the repository, with nothing installed in it. */
async function bareFolder(files: Record<string, string> = {}): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'fanout-module-'));
  folders.push(folder);
  for (const [name, text] of Object.entries(files)) await writeFile(join(folder, name), text);
  return folder;
}

/** A user that records its requests and answers like the shop would. */
function recordingUser(sent: FlowRequest[]): VirtualUser {
  const answer = (request: FlowRequest) => {
    const body = request.path === '/login' ? { token: 'T-1' } : request.path.startsWith('/items?') ? { items: [{ id: 41 }] } : { id: 41 };
    return { status: request.path === '/cart' ? 201 : 200, headers: {}, body: JSON.stringify(body), json: <T>() => body as T, durationMs: 1 };
  };
  return {
    request: async (request) => {
      sent.push(request);
      return answer(request);
    },
    think: async () => {},
    vars: {},
    data: { accounts: { user: 'alice@example.com', password: 'pw' } },
    userNumber: 0,
  };
}

test('scenarios/shop/shop.ts bundles from a folder with no node_modules, loads, validates and runs', async () => {
  const folder = await bareFolder();
  await copyFile('scenarios/shop/shop.ts', join(folder, 'shop.ts'));
  await copyFile('scenarios/shop/accounts.csv', join(folder, 'accounts.csv'));
  assert.deepEqual((await readdir(folder)).sort(), ['accounts.csv', 'shop.ts']);

  const code = await bundleScenarioModule(join(folder, 'shop.ts'));
  assert.equal(typeof code, 'string');
  assert.doesNotMatch(code, /from ['"]fanout['"]/, 'fanout is inside the bundle, not imported');

  const scenario = await loadScenarioModule(code, 'shop.ts');
  assert.equal(scenario.name, 'shop (TypeScript)');
  assert.deepEqual(scenario.load, { users: 10, duration: 60_000 }, 'settings are validated as a scenario file is: durations in ms');
  assert.deepEqual(scenario.flows.map((flow) => [flow.name, flow.weight]), [['browse', 3], ['buy', 1]]);
  const dataSets = await loadDataSets(scenario.data, folder);
  assert.equal(dataSets.accounts!.rows.length, 12, 'data files are read relative to the module');

  const sent: FlowRequest[] = [];
  const user = recordingUser(sent);
  await scenario.onStart!(user);
  assert.equal(user.vars.token, 'T-1');
  await scenario.flows[0]!.run(user);
  await scenario.flows[1]!.run(user);
  assert.deepEqual(sent.map((request) => request.name), ['login', 'list', 'item', 'cart']);
  assert.equal(sent[2]!.path, '/items/41');
  assert.deepEqual(sent[3]!.headers, { authorization: 'Bearer T-1' });
});

test('a module importing its own files and a Node built-in bundles into one string that loads from anywhere', async () => {
  const folder = await bareFolder({
    'paths.ts': "export const home = (page: number): string => `/home/${page}`;\n",
    'main.ts': [
      "import { defineScenario } from 'fanout';",
      "import { createHash } from 'node:crypto';",
      "import { home } from './paths.js';",
      "const tag = createHash('sha1').update('x').digest('hex').slice(0, 4);",
      "export default defineScenario({ target: 'http://127.0.0.1:1', flows: [{ name: `home ${tag}`, async run(user) { await user.request({ path: home(1) }); } }] });",
    ].join('\n'),
  });
  const scenario = await loadScenarioModule(await bundleScenarioModule(join(folder, 'main.ts')), 'main.ts');
  assert.equal(scenario.flows[0]!.name, 'home 11f6');
});

test('a syntax error is an InputError with the file, line and column', async () => {
  const folder = await bareFolder({ 'broken.ts': "import { defineScenario } from 'fanout';\nexport default defineScenario({\n  flows: [ { name: 'a', run(user) { user.request({ path: '/' ) } } ],\n});\n" });
  const problems = await problemsOfAsync(() => bundleScenarioModule(join(folder, 'broken.ts')));
  assert.match(problems[0]!.field, new RegExp(`${join(folder, 'broken.ts').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+$`));
  assert.match(problems[0]!.message, /Expected "}" but found "\)"/);
});

test('a type error is an InputError with the file and line, though esbuild alone would bundle it', async () => {
  const folder = await bareFolder({
    'typo.ts': [
      "import { defineScenario } from 'fanout';",
      'export default defineScenario({',
      "  target: 'http://127.0.0.1:1', thinktime: '1s',",
      "  flows: [{ name: 'a', async run(user) {",
      "    await user.request({ pth: '/' });",
      "    await user.think(100n);",
      '  } }],',
      '});',
    ].join('\n'),
  });
  const file = join(folder, 'typo.ts');
  await bundleScenarioModule(file, { typeCheck: false });
  const problems = await problemsOfAsync(() => bundleScenarioModule(file));
  assert.deepEqual(problems.map((problem) => problem.field), [`${file}:3:33`, `${file}:5:26`, `${file}:6:22`]);
  assert.match(problems[0]!.message, /^TS2561: .*'thinktime' does not exist in type 'ScenarioModule'\. Did you mean to write 'thinkTime'\?/);
  assert.match(problems[1]!.message, /^TS2561: .*'pth' does not exist in type 'FlowRequest'\. Did you mean to write 'path'\?/);
});

test('an unresolvable import names the importing line', async () => {
  const folder = await bareFolder({ 'lonely.ts': "import { thing } from 'not-installed-anywhere';\nexport default thing;\n" });
  const problems = await problemsOfAsync(() => bundleScenarioModule(join(folder, 'lonely.ts')));
  assert.match(problems[0]!.field, /lonely\.ts:1:23$/);
  assert.match(problems[0]!.message, /Could not resolve "not-installed-anywhere"/);
});

test('the default export is validated: fields named, functions required, a missing export explained', async () => {
  const problems = await problemsOfAsync(() =>
    loadScenarioModule("export default { target: 'ftp://x', flows: [{ name: 'a', run: 'not a function' }], load: { users: 0 }, requests: [] };", 'bad.ts'),
  );
  assert.deepEqual(problems.map((problem) => problem.field).sort(), ['bad.ts: flows[0].run', 'bad.ts: load.users', 'bad.ts: requests', 'bad.ts: target']);
  assert.match(problems.find((problem) => problem.field.endsWith('run'))!.message, /expected a function/);
  const [missing] = await problemsOfAsync(() => loadScenarioModule('export const scenario = {};', 'none.ts'));
  assert.match(missing!.message, /no default export/);
  const [thrown] = await problemsOfAsync(() => loadScenarioModule("throw new Error('no config');", 'throws.ts'));
  assert.match(thrown!.message, /failed while loading: no config/);
});

test('fanout run tells modules from scenario files by extension; a JavaScript module needs no type check', async () => {
  assert.deepEqual(['shop.ts', 'shop.mts', 'shop.mjs', 'shop.js', 'shop.yml', 'shop.yaml', 'shop.json'].map(isScenarioModulePath), [true, true, true, true, false, false, false]);
  const folder = await bareFolder({ 'plain.mjs': "import { defineScenario } from 'fanout';\nexport default defineScenario({ flows: [{ name: 'a', weight: 2, run: async () => {} }] });\n" });
  const { scenario, folder: moduleFolder, code } = await readScenarioModule(join(folder, 'plain.mjs'));
  assert.deepEqual(scenario.flows.map((flow) => [flow.name, flow.weight]), [['a', 2]]);
  assert.equal(moduleFolder, folder);
  assert.equal((await loadScenarioModule(code)).flows[0]!.name, 'a', 'the code alone loads again, as on a worker');
});
