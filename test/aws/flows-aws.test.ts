import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../lib/report/report-types.js';
import { startEmulateProcess, type EmulateProcess } from '../helpers/aws-stack-helpers.js';
import { runCli } from '../helpers/run-cli.js';
import { accountsCsv, startShopTarget } from '../helpers/shop-target.js';

/**
 * Issue 12's two scenarios, as written, on the emulated AWS stack: the CLI sends the flows (or the
 * module's bundled code) with the data rows inline; the workers compile or load them; the shop
 * counts logins per account and refuses unknown tokens.
 */
const fixtures = new URL('../../../test/fixtures/shop/', import.meta.url);
let emulator: EmulateProcess;
let apiUrl: string;

before(async () => {
  emulator = await startEmulateProcess();
  apiUrl = emulator.apiUrl;
});

after(async () => {
  await emulator.close();
});

for (const file of ['shop.yml', 'shop.ts']) {
  test(`${file}, as written, on the emulated stack: 20 logins by 20 distinct accounts, counts per name equal to the shop's`, async () => {
    const shop = await startShopTarget(30, { delayMs: 5 });
    try {
      const folder = await mkdtemp(join(tmpdir(), 'fanout-shop-aws-'));
      await copyFile(new URL(file, fixtures), join(folder, file));
      await writeFile(join(folder, 'accounts.csv'), accountsCsv(30));
      const cli = await runCli(
        ['run', file, '--platform', 'aws', '--api', apiUrl, '--users', '20', '--duration', '8s', '--workers', '2', '--target', shop.url, '--yes', '--json', '--out', join(folder, 'runs')],
        { cwd: folder, timeoutMs: 120_000 },
      );
      assert.equal(cli.code, 0, cli.stderr);
      const report = JSON.parse(cli.stdout) as Report;
      assert.equal(report.run.platform, 'aws');
      const logins = shop.logins();
      assert.equal(Object.keys(logins).length, 20, JSON.stringify(logins));
      assert.ok(Object.values(logins).every((count) => count === 1));
      assert.equal(shop.refused(), 0);
      const received = shop.received();
      const byName = Object.fromEntries(report.requests.map((request) => [request.name, request.requests]));
      assert.deepEqual(byName, { login: received.login, list: received.list, item: received.item, cart: received.cart });
      const ratio = received.list! / received.cart!;
      assert.ok(ratio > 2 && ratio < 4.5, `browse:buy ${ratio.toFixed(2)}`);
    } finally {
      await shop.close();
    }
  });
}
