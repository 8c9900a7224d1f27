import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestTarget } from '../helpers/test-target.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/run-helpers.js';
import type { Report } from '../../lib/report/report-types.js';

test('fanout --help and run --help describe the commands', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /run \[options\] \[scenario\]/);
  const runHelp = await runCli(['run', '--help']);
  assert.equal(runHelp.code, 0);
  for (const flag of ['--users', '--spawn-rate', '--duration', '--rate', '--steps', '--step-duration', '--workers', '--slo', '--threshold', '--out', '--json']) {
    assert.ok(runHelp.stdout.includes(flag), `run --help mentions ${flag}`);
  }
});

test('bad flags: exit 2, the flag named, nothing sent', async () => {
  const target = await startTestTarget();
  const out = await tempDir();
  try {
    const negative = await runCli(['run', '--target', target.url, '--users', '-5', '--duration', '2s', '--out', out]);
    assert.equal(negative.code, 2);
    assert.match(negative.stderr, /--users: expected a number above 0/);

    const duration = await runCli(['run', '--target', target.url, '--users', '5', '--duration', '10 parsecs', '--out', out]);
    assert.equal(duration.code, 2);
    assert.match(duration.stderr, /--duration: expected a duration/);

    const unknown = await runCli(['run', '--target', target.url, '--userz', '5', '--out', out]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option '--userz'/);

    const slo = await runCli(['run', '--target', target.url, '--users', '1', '--slo', 'p95 < fast', '--out', out]);
    assert.equal(slo.code, 2);
    assert.match(slo.stderr, /--slo: "p95 < fast" is not a criterion/);

    const both = await runCli(['run', '--target', target.url, '--users', '5', '--rate', '10', '--out', out]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /load\.rate \(--rate\)/);

    const noTarget = await runCli(['run', '--users', '5', '--out', out]);
    assert.equal(noTarget.code, 2);
    assert.match(noTarget.stderr, /--target: required/);

    assert.equal(target.received(), 0, 'no request was sent');
    assert.deepEqual(await readdir(out), [], 'nothing was started or written');
  } finally {
    await target.close();
  }
});

test('a bad scenario field: exit 2, its path named, nothing sent', async () => {
  const target = await startTestTarget();
  const out = await tempDir();
  try {
    const file = join(out, '..', `bad-${Date.now()}.yml`);
    await writeFile(
      file,
      [`target: ${target.url}`, 'requests:', '  - path: /', '    method: FETCH', 'load:', '  users: many', '  duration: 2s', '  colour: blue'].join('\n'),
    );
    const result = await runCli(['run', file, '--out', out]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /requests\[0\]\.method: expected one of GET/);
    assert.match(result.stderr, /load\.users: /);
    assert.match(result.stderr, /load\.colour: unknown field/);

    const broken = join(out, '..', `broken-${Date.now()}.yml`);
    await writeFile(broken, 'target: [unclosed');
    const yaml = await runCli(['run', broken, '--out', out]);
    assert.equal(yaml.code, 2);
    assert.match(yaml.stderr, /not valid YAML/);

    assert.equal(target.received(), 0);
    assert.deepEqual(await readdir(out), []);
  } finally {
    await target.close();
  }
});

test('run --json prints the report; a broken threshold exits 99; flags override the scenario file', async () => {
  const target = await startTestTarget({ delayMs: 3 });
  const out = await tempDir();
  try {
    const file = join(out, '..', `scenario-${Date.now()}.json`);
    await writeFile(file, JSON.stringify({ target: 'http://127.0.0.1:9', load: { users: 50, duration: '1m' }, thresholds: ['errors<1%'] }));
    const result = await runCli(['run', file, '--target', target.url, '--users', '2', '--duration', '2s', '--threshold', 'p95<1us', '--json', '--out', out]);
    assert.equal(result.code, 99, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.equal(report.run.target, target.url);
    assert.equal(report.steps[0]!.users, 2);
    assert.equal(report.totals.requests, target.received());
    assert.deepEqual(report.thresholds.map((threshold) => [threshold.expr, threshold.passed]), [['errors<1%', true], ['p95<1us', false]]);
    assert.match(result.stderr, /fanout plan/);
    const onDisk = JSON.parse(await readFile(join(out, report.run.id, 'report.json'), 'utf8')) as Report;
    assert.equal(onDisk.totals.requests, report.totals.requests);
  } finally {
    await target.close();
  }
});

test('the summary names the knee', async () => {
  const target = await startTestTarget({ slots: 2, delayMs: 100 });
  const out = await tempDir();
  try {
    const result = await runCli(['run', '--target', target.url, '--steps', '1:4:1', '--step-duration', '2s', '--spawn-rate', '50', '--slo', 'p95<125ms', '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /knee {2}SLO p95<125ms broken at step 3 \(3 users\)/);
    assert.match(result.stdout, /last step within it: step 2 \(2 users\)/);
  } finally {
    await target.close();
  }
});
