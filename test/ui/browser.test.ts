import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { startUiServer } from '../../lib/ui/ui-server.js';
import { launchChromium, screenshotPath } from '../helpers/browser.js';
import { runScenario, tempDir } from '../helpers/run-helpers.js';
import { startTestTarget } from '../helpers/test-target.js';

/**
 * The pages in a real browser (headless Chromium through playwright-core: the system's, else the one
 * the @sparticuz/chromium devDependency carries; see helpers/browser.ts): what a person sees, not
 * what the JSON says. Screenshots land in dist/screenshots (FANOUT_SCREENSHOT_DIR=docs
 * refreshes the ones in the docs).
 */
let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** Script errors on the page fail the test that made them. */
function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return errors;
}

const BOUND = { timeout: 30_000 };

/**
 * Waits until a chart has drawn at least `count` points (its data-points attribute), polling from
 * here: the page's CSP allows no eval, which a string predicate in the page would need.
 */
async function waitForChartPoints(page: Page, selector: string, count: number): Promise<void> {
  const giveUpAt = Date.now() + BOUND.timeout;
  for (;;) {
    const points = Number(await page.getAttribute(selector, 'data-points', BOUND));
    if (points >= count) return;
    if (Date.now() > giveUpAt) throw new Error(`${selector} has ${points} points, expected at least ${count}`);
    await page.waitForTimeout(250);
  }
}

test('in Chromium: start a run from the form, the live charts receive points, Stop ends the run as aborted', async () => {
  // 4 slots × 25 ms: latency climbs once users outnumber the slots, so the charts have a shape.
  const target = await startTestTarget({ slots: 4, delayMs: 25 });
  const server = await startUiServer({ port: 0, outDir: await tempDir() });
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const errors = collectPageErrors(page);
  try {
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready]', BOUND);
    await page.fill('input[name=target]', target.url);
    await page.fill('input[name=steps]', '2:10:2');
    await page.fill('input[name=stepDuration]', '3s');
    await page.fill('input[name=slo]', 'p95<60ms');
    await page.click('button.start');

    await page.waitForSelector('.live-status[data-state=running]', BOUND);
    // The live charts fill as the timeline arrives (one point a second).
    await waitForChartPoints(page, '.chart-live-rps', 5);
    assert.ok(Number(await page.getAttribute('.chart-live-latency', 'data-points')) >= 5);
    assert.ok((await page.locator('.chart-live-rps canvas').count()) > 0, 'uPlot drew the chart');
    assert.ok((await page.locator('.chart-live-rps .marker-step').count()) >= 1, 'the step boundaries are marked');
    await page.waitForSelector('.live-requests-table >> text=GET /', BOUND);
    assert.match((await page.textContent('.live-errors-section')) ?? '', /No errors yet/);
    assert.notEqual((await page.textContent('.tile-users .tile-value'))?.trim(), '0');
    await page.screenshot({ path: await screenshotPath('ui.png'), fullPage: true });

    await page.click('button.stop');
    await page.waitForSelector('.live-status[data-status=aborted]', BOUND);
    assert.equal((await page.textContent('.live-status'))?.trim(), 'aborted');
    // The finished run's report appears under the live view, and the run heads the past runs.
    await page.waitForSelector('.report-view [data-status=aborted]', BOUND);
    assert.match((await page.textContent('.report-view .verdict')) ?? '', /stopped before the planned end/);
    await page.waitForSelector('.runs-table tbody tr:first-child .status-aborted', BOUND);
    assert.ok(await page.isEnabled('button.start'), 'a new run can be started');
    assert.ok(target.received() > 0);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await server.close();
    await target.close();
  }
});

test('in Chromium: report.html opens from disk with nothing fetched from elsewhere, and the knee is marked', async () => {
  // 4 slots × 100 ms: p95 passes 125 ms once users outnumber the slots.
  const target = await startTestTarget({ slots: 4, delayMs: 100 });
  let run: Awaited<ReturnType<typeof runScenario>>;
  try {
    run = await runScenario({ target: target.url, load: { steps: '2:8:2', stepDuration: '2s', spawnRate: 100 }, slo: 'p95<125ms' });
  } finally {
    await target.close();
  }
  const firstBad = run.report.knee?.firstBad;
  assert.ok(firstBad, `the run has a knee: ${JSON.stringify(run.report.steps.map((step) => step.latency.p95))}`);

  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectPageErrors(page);
  const fetched: string[] = [];
  page.on('request', (request) => fetched.push(request.url()));
  try {
    const htmlUrl = pathToFileURL(join(dirname(run.reportPath), 'report.html')).href;
    await page.goto(htmlUrl);
    await page.waitForSelector('body[data-rendered]', BOUND);

    const users = `${firstBad.users} users`;
    assert.match((await page.textContent('.slo-verdict')) ?? '', new RegExp(`p95<125ms broken at step ${firstBad.index + 1} \\(${users}`));
    assert.match((await page.textContent('.knee-verdict')) ?? '', new RegExp(`and step ${firstBad.index + 1} \\(${users}`));
    // On the per-step chart: the knee at the first bad step, right of the last good one, and the SLO line.
    const knee = page.locator('.chart-slo-per-step .marker-knee');
    await knee.waitFor(BOUND);
    assert.equal((await knee.textContent())?.trim(), `knee: ${users}`);
    assert.equal((await page.textContent('.chart-slo-per-step .marker-slo'))?.trim(), 'SLO p95<125ms');
    const lastGood = run.report.knee?.lastGood;
    if (lastGood) {
      const goodBox = await page.locator('.chart-slo-per-step .marker-last-good').boundingBox();
      const kneeBox = await knee.boundingBox();
      assert.ok(goodBox && kneeBox && kneeBox.x > goodBox.x, 'the knee lies right of the last good step');
    }
    // Over time, the step where the knee is reached is marked too.
    assert.match((await page.textContent('.chart-latency .marker-knee')) ?? '', new RegExp(`knee · ${users}`));
    assert.equal(await page.locator('.steps-table tbody tr').count(), run.report.steps.length);
    assert.deepEqual(
      fetched.filter((url) => url !== htmlUrl),
      [],
      'the page loads nothing but itself',
    );
    assert.deepEqual(errors, []);
    await page.screenshot({ path: await screenshotPath('report.png'), fullPage: true });
  } finally {
    await page.close();
  }
});
