import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readScenarioFile, resolveRunSettings } from '../../lib/config/run-settings.js';

test('the shipped scenario files are valid', async () => {
  const demo = resolveRunSettings(await readScenarioFile('scenarios/demo.yml'));
  assert.equal(demo.target, 'demo');
  assert.ok(demo.levels.length >= 4 && demo.slo !== undefined);
  assert.ok((demo.levels.length * demo.stepDurationMs) / 1000 < 60, 'the demo shows its knee in under a minute');
  const example = resolveRunSettings(await readScenarioFile('scenarios/example.yml'));
  assert.equal(example.requests.length, 3);
  assert.equal(example.levels.length, 10);
  assert.deepEqual(example.thinkTime, { minMs: 500, maxMs: 1500 });
});
