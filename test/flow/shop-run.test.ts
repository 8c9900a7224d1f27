import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../lib/report/report-types.js';
import { runCli } from '../helpers/run-cli.js';
import { filesHolding, secretsIn } from '../helpers/secret-scan.js';
import { accountsCsv, startShopTarget, type ShopTarget } from '../helpers/shop-target.js';

/**
 * The two scenarios of issue 12, as written (test/fixtures/shop: the YAML and the TypeScript module
 * from the issue, word for word), run by `fanout run` from a folder outside the repository with
 * nothing installed beside them, against a shop that counts logins per account and refuses unknown
 * tokens and ids.
 */
const fixtures = new URL('../../../test/fixtures/shop/', import.meta.url);

async function scenarioFolder(file: string, accounts: number): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'fanout-shop-'));
  await copyFile(new URL(file, fixtures), join(folder, file));
  await writeFile(join(folder, 'accounts.csv'), accountsCsv(accounts));
  return folder;
}

function assertShopRun(report: Report, shop: ShopTarget): void {
  const logins = shop.logins();
  assert.equal(Object.keys(logins).length, 20, `20 distinct accounts logged in: ${JSON.stringify(logins)}`);
  assert.ok(Object.values(logins).every((count) => count === 1), 'each user logged in once, however many iterations it ran');
  assert.equal(shop.refused(), 0, 'no request used an unknown token or id');
  const received = shop.received();
  const byName = Object.fromEntries(report.requests.map((request) => [request.name, request.requests]));
  assert.deepEqual(byName, { login: received.login, list: received.list, item: received.item, cart: received.cart });
  assert.equal(report.totals.requests, Object.values(received).reduce((sum, count) => sum + count, 0));
  assert.equal(report.totals.errors, 0, JSON.stringify(report.totals.errorsByType));
  // browse (weight 3) and buy (weight 1): list and cart near 3:1.
  const ratio = received.list! / received.cart!;
  assert.ok(ratio > 2 && ratio < 4.5, `browse:buy ${ratio.toFixed(2)} (list ${received.list}, cart ${received.cart})`);
}

test('shop.yml, as written: 20 users, 20 logins by 20 distinct accounts, counts per name equal to the shop’s, browse:buy near 3:1', async () => {
  const shop = await startShopTarget(30, { delayMs: 5 });
  try {
    const folder = await scenarioFolder('shop.yml', 30);
    const cli = await runCli(['run', 'shop.yml', '--users', '20', '--duration', '8s', '--target', shop.url, '--json', '--out', join(folder, 'runs')], { cwd: folder });
    assert.equal(cli.code, 0, cli.stderr);
    const report = JSON.parse(cli.stdout) as Report;
    assertShopRun(report, shop);
    const checks = Object.fromEntries((report.checks ?? []).map((check) => [`${check.request} ${check.check}`, check.passRate]));
    assert.deepEqual(checks, { 'item status in [200]': 1, 'item bodyContains "\\"id\\""': 1, 'cart status in [201]': 1 });
    const flows = Object.fromEntries((report.flows ?? []).map((flow) => [flow.flow, flow]));
    assert.equal(flows.onStart?.completed, 20);
    assert.ok((flows.browse?.completed ?? 0) > 0 && (flows.buy?.completed ?? 0) > 0);
  } finally {
    await shop.close();
  }
});

test('shop.ts, as written, from a folder with no node_modules: the same run through the same engine', async () => {
  const shop = await startShopTarget(30, { delayMs: 5 });
  try {
    const folder = await scenarioFolder('shop.ts', 30);
    const cli = await runCli(['run', 'shop.ts', '--users', '20', '--duration', '8s', '--target', shop.url, '--json', '--out', join(folder, 'runs')], { cwd: folder, timeoutMs: 90_000 });
    assert.equal(cli.code, 0, cli.stderr);
    const report = JSON.parse(cli.stdout) as Report;
    assertShopRun(report, shop);
    assert.deepEqual(
      Object.fromEntries((report.checks ?? []).map((check) => [`${check.request} ${check.check}`, check.passRate])),
      { 'item status in [200]': 1, 'cart status in [201]': 1 },
    );
  } finally {
    await shop.close();
  }
});

test('too few unique rows: exit 2 before anything is sent, with both numbers', async () => {
  const shop = await startShopTarget(30);
  try {
    const folder = await scenarioFolder('shop.yml', 12);
    const cli = await runCli(['run', 'shop.yml', '--users', '20', '--duration', '2s', '--target', shop.url], { cwd: folder });
    assert.equal(cli.code, 2, cli.stderr);
    assert.match(cli.stderr, /data\.accounts: 20 users need 20 unique rows, accounts\.csv has 12/);
    assert.deepEqual(shop.received(), {});
  } finally {
    await shop.close();
  }
});

test('an unknown name in a template is exit 2 at load time, naming the step and the field', async () => {
  const folder = await scenarioFolder('shop.yml', 30);
  const text = await readFile(join(folder, 'shop.yml'), 'utf8');
  await writeFile(join(folder, 'shop.yml'), text.replace('path: /items/{{ itemId }}', 'path: /items/{{ itemId2 }}'));
  const cli = await runCli(['run', 'shop.yml', '--users', '2', '--duration', '2s'], { cwd: folder });
  assert.equal(cli.code, 2, cli.stderr);
  assert.match(cli.stderr, /shop\.yml: flows\[0\]\.steps\[1\]\.path: unknown name "itemId2".*\(step "item"\)/);
});

test('a type error in a scenario module is exit 2 with the file and line', async () => {
  const folder = await scenarioFolder('shop.ts', 30);
  const text = await readFile(join(folder, 'shop.ts'), 'utf8');
  await writeFile(join(folder, 'shop.ts'), text.replace("await user.think('100ms');", 'await user.think(true);'));
  const cli = await runCli(['run', 'shop.ts', '--users', '2', '--duration', '2s'], { cwd: folder, timeoutMs: 90_000 });
  assert.equal(cli.code, 2, cli.stderr);
  assert.match(cli.stderr, /shop\.ts:\d+:\d+: TS\d+/);
});

test("an exception in a module's code is an error of type script with its message; the user goes on with its next iteration", async () => {
  const shop = await startShopTarget(30);
  try {
    const folder = await mkdtemp(join(tmpdir(), 'fanout-script-'));
    await writeFile(
      join(folder, 'flaky.ts'),
      [
        "import { defineScenario } from 'fanout';",
        'let iteration = 0;',
        'export default defineScenario({',
        "  name: 'flaky',",
        "  flows: [{ name: 'odd', async run(user) {",
        "    await user.request({ name: 'list', path: '/items?page=1', headers: { authorization: 'Bearer none' }, expect: { status: [401] } });",
        "    if (iteration++ % 2 === 0) throw new Error('no item to open');",
        '  } }],',
        '});',
        '',
      ].join('\n'),
    );
    const cli = await runCli(['run', 'flaky.ts', '--users', '1', '--workers', '1', '--duration', '1s', '--target', shop.url, '--json', '--out', join(folder, 'runs')], {
      cwd: folder,
      timeoutMs: 90_000,
    });
    assert.equal(cli.code, 0, cli.stderr);
    const report = JSON.parse(cli.stdout) as Report;
    const flow = report.flows!.find((entry) => entry.flow === 'odd')!;
    assert.ok(flow.scriptErrors > 0 && flow.completed > 0, JSON.stringify(flow));
    assert.equal(report.totals.errorsByType.script, flow.scriptErrors);
    assert.equal(report.requests.find((request) => request.name === 'list')!.requests, shop.received().list);
    assert.ok(report.totals.errorSamples.some((sample) => sample.type === 'script' && sample.message === 'odd: no item to open'));
  } finally {
    await shop.close();
  }
});

test('secrets in flows: an ${env:NAME} token and a fixed api key reach the shop, and nothing fanout writes or prints holds them', async () => {
  const shop = await startShopTarget(30);
  const TOKEN = 'envtoken-5b8e21c4';
  const KEY = 'fixedkey-93ab77d0';
  try {
    const folder = await scenarioFolder('shop.yml', 30);
    // The shop's own tokens still come from the login; these travel beside them as extra headers.
    const text = (await readFile(join(folder, 'shop.yml'), 'utf8')).replace(
      '        headers: { authorization: "Bearer {{ token }}" }\n        capture:\n          itemId',
      `        headers: { authorization: "Bearer {{ token }}", x-api-key: ${KEY}, x-upstream-token: "\${env:UPSTREAM_TOKEN}" }\n        capture:\n          itemId`,
    );
    await writeFile(join(folder, 'shop.yml'), text);
    const out = join(folder, 'runs');
    const cli = await runCli(['run', 'shop.yml', '--users', '3', '--duration', '2s', '--target', shop.url, '--out', out], {
      cwd: folder,
      env: { ...process.env, UPSTREAM_TOKEN: TOKEN },
    });
    assert.equal(cli.code, 0, cli.stderr);
    assert.ok(shop.received().list! > 0);
    assert.deepEqual(secretsIn(cli.stdout + cli.stderr, [TOKEN, KEY]), []);
    assert.deepEqual(await filesHolding(out, [TOKEN, KEY]), []);
    assert.deepEqual(shop.headerValues('x-upstream-token'), [TOKEN]);
    assert.deepEqual(shop.headerValues('x-api-key'), [KEY]);
  } finally {
    await shop.close();
  }
});
