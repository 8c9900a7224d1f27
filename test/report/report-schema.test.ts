import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPORT_SCHEMA_PATH, reportJsonSchemaText } from '../../lib/report/report-schema.js';
import { runScenario } from '../helpers/run-helpers.js';
import { reportSchemaErrors } from '../helpers/report-validator.js';
import { startTestTarget } from '../helpers/test-target.js';

const repository = fileURLToPath(new URL('../../../', import.meta.url));

test('docs/report.schema.json is the schema generated from the report definition (npm run schema rewrites it)', async () => {
  const committed = await readFile(join(repository, REPORT_SCHEMA_PATH), 'utf8');
  assert.equal(committed, reportJsonSchemaText(), 'docs/report.schema.json is stale: run npm run schema');
});

test('report.json files of real runs validate against the published schema (ajv), and broken ones do not', async () => {
  const target = await startTestTarget({ delayMs: 3, statusByPath: { '/broken': 500 } });
  try {
    const closed = await runScenario({
      target: target.url,
      requests: [
        { name: 'home', path: '/', weight: 3 },
        { name: 'broken', path: '/broken', weight: 1 },
      ],
      load: { steps: [2, 4], stepDuration: '1500ms', spawnRate: 100 },
      slo: 'p95<1s',
      thresholds: ['errors<1%'],
    });
    const open = await runScenario({ target: target.url, load: { rate: 100, duration: '1500ms', maxInFlight: 4 } });
    for (const { reportPath, report } of [closed, open]) {
      const onDisk = JSON.parse(await readFile(reportPath, 'utf8')) as unknown;
      assert.deepEqual(reportSchemaErrors(onDisk), [], `${report.run.plan.model} model report`);
    }
    // What the checks cover: the runs had errors, an SLO and its knee, open-model counts.
    assert.ok(closed.report.totals.errorsByType.http_status! > 0);
    assert.ok(closed.report.knee !== undefined && closed.report.steps.every((step) => step.sloPassed !== undefined));
    assert.ok(open.report.totals.open !== undefined);

    const valid = JSON.parse(await readFile(closed.reportPath, 'utf8')) as Record<string, unknown> & { steps: Array<Record<string, unknown>> };
    const { status: _status, ...withoutStatus } = valid;
    assert.notDeepEqual(reportSchemaErrors(withoutStatus), [], 'a report without status is rejected');
    assert.notDeepEqual(reportSchemaErrors({ ...valid, status: 'finished' }), [], 'an unknown status is rejected');
    assert.notDeepEqual(reportSchemaErrors({ ...valid, steps: [{ ...valid.steps[0], requests: -1 }] }), [], 'a negative count is rejected');
    assert.notDeepEqual(reportSchemaErrors({ ...valid, extra: true }), [], 'an undocumented field is rejected');

    // report.html is written beside report.json, and it stands alone: nothing is fetched from elsewhere.
    const html = await readFile(join(dirname(closed.reportPath), 'report.html'), 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|@import/i);
    assert.ok(html.includes(closed.report.run.id), 'the report data is inlined');
    assert.ok(html.includes('uPlot'), 'the chart library is inlined');
  } finally {
    await target.close();
  }
});
