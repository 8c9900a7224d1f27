import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { startEmulatedStack } from '../../lib/emulate/emulated-stack.js';
import { serveUi } from '../../lib/ui/serve-ui.js';
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

test('in Chromium: opened with the token, start a run from a listed scenario file, the live charts receive points, Stop ends the run as aborted', async () => {
  // 4 slots × 25 ms: latency climbs once users outnumber the slots, so the charts have a shape.
  const target = await startTestTarget({ slots: 4, delayMs: 25 });
  const scenarioDir = await tempDir();
  await mkdir(join(scenarioDir, 'scenarios'));
  await writeFile(join(scenarioDir, 'scenarios', 'steps.yml'), `target: ${target.url}\nload:\n  steps: 2:10:2\n  stepDuration: 3s\n`);
  await writeFile(join(scenarioDir, 'other.yml'), 'target: demo\n');
  const server = await startUiServer({ port: 0, outDir: await tempDir(), scenarioDir });
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const errors = collectPageErrors(page);
  try {
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready]', BOUND);
    assert.ok(!page.url().includes(server.token), 'the token left the address bar');
    assert.deepEqual(await page.locator('select[name=scenarioFile] option').allTextContents(), ['(none: the fields below)', 'other.yml', 'scenarios/steps.yml']);
    await page.selectOption('select[name=scenarioFile]', 'scenarios/steps.yml');
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

test('in Chromium: a scenario pasted (or uploaded) as text starts a run whose live data and report appear', async () => {
  const target = await startTestTarget({ delayMs: 5 });
  const scenarioDir = await tempDir();
  const server = await startUiServer({ port: 0, outDir: await tempDir(), scenarioDir });
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const errors = collectPageErrors(page);
  try {
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready]', BOUND);
    // An upload only fills the text box: the browser reads the file, the server gets its text.
    const uploaded = join(scenarioDir, '..', `upload-${Date.now()}.yml`);
    await writeFile(uploaded, 'target: demo\n');
    await page.setInputFiles('input[name=scenarioUpload]', uploaded);
    const giveUpAt = Date.now() + BOUND.timeout;
    while ((await page.inputValue('textarea[name=scenarioText]')) !== 'target: demo\n') {
      assert.ok(Date.now() < giveUpAt, 'the uploaded file\'s text appears in the text box');
      await page.waitForTimeout(50);
    }

    await page.fill('textarea[name=scenarioText]', `name: pasted\ntarget: ${target.url}\nrequests:\n  - name: pasted home\n    path: /\nload: { users: 2, duration: 4s }\n`);
    await page.click('button.start');
    await page.waitForSelector('.live-status[data-state=running]', BOUND);
    await waitForChartPoints(page, '.chart-live-rps', 2);
    await page.waitForSelector('.live-requests-table >> text=pasted home', BOUND);
    await page.waitForSelector('.live-status[data-status=completed]', BOUND);
    await page.waitForSelector('.report-view [data-status=completed]', BOUND);
    assert.ok(target.received() > 0);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await server.close();
    await target.close();
  }
});

test('in Chromium: an AWS run above --max-cost starts only after the person ticks the estimate the page shows', async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const stack = await startEmulatedStack({ barrierMs: 1000, stragglerGraceMs: 1000, watchPollMs: 250 });
  const target = await startTestTarget({ delayMs: 2 });
  const server = await serveUi({ port: '0', host: '127.0.0.1', out: await tempDir(), maxCost: '0', api: stack.apiUrl }, () => {});
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  try {
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready]', BOUND);
    await page.fill('input[name=target]', target.url);
    await page.fill('input[name=users]', '1');
    await page.fill('input[name=duration]', '2s');
    await page.selectOption('select[name=platform]', 'aws');
    const startClick = async () => {
      const [answer] = await Promise.all([
        page.waitForResponse((response) => new URL(response.url()).pathname === '/api/runs' && response.request().method() === 'POST', BOUND),
        page.click('button.start'),
      ]);
      return answer.status();
    };
    // Nothing starts: the estimate appears with a box to accept it.
    assert.equal(await startClick(), 400);
    await page.waitForSelector('.cost-confirm:not([hidden]) input[name=confirmCost]', BOUND);
    assert.match((await page.textContent('.cost-confirm')) ?? '', /total\s+≈ \$[\d.]+[\s\S]*start this run at an estimated \$\d+\.\d\d/);
    assert.equal(await page.isChecked('input[name=confirmCost]'), false, 'never ticked for the person');
    assert.equal(await startClick(), 400, 'a second click without the tick starts nothing');
    await page.waitForSelector('.cost-confirm:not([hidden])', BOUND);
    assert.equal(target.received(), 0);

    // A changed form is another run: the confirmation is gone until the new estimate is shown.
    await page.check('input[name=confirmCost]');
    await page.fill('input[name=duration]', '3s');
    assert.equal(await page.locator('.cost-confirm:not([hidden])').count(), 0);
    assert.equal(await startClick(), 400);
    await page.check('.cost-confirm:not([hidden]) input[name=confirmCost]', BOUND);
    assert.equal(await startClick(), 201);
    await page.waitForSelector('.live-status[data-status=completed]', { timeout: 60_000 });
    assert.ok(target.received() > 0);
  } finally {
    await page.close();
    await server.close();
    await stack.lambda.whenIdle();
    await stack.close();
    await target.close();
  }
});

test('in Chromium: opened without the token, the page shows only how to get in', async () => {
  const out = await tempDir();
  const server = await startUiServer({ port: 0, outDir: out, scenarioDir: out });
  const page = await browser.newPage();
  try {
    await page.goto(new URL('/', server.url).href);
    await page.waitForSelector('body[data-locked]', BOUND);
    assert.match((await page.textContent('.locked')) ?? '', /needs its token/);
    assert.equal(await page.locator('form.start-run').count(), 0, 'no form');
    assert.ok(!((await page.content()).includes(out)), 'no folder named');
  } finally {
    await page.close();
    await server.close();
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
