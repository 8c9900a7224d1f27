import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Report } from '../../lib/report/report-types.js';
import { startCli, type CliProcess } from '../helpers/cli-process.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/run-helpers.js';
import { startTestTarget, type TestTarget } from '../helpers/test-target.js';

/**
 * However a run is interrupted, it leaves a report: a second Ctrl-C (or SIGTERM, SIGHUP) writes one
 * from the step results on disk before the process exits, a closed terminal (SIGHUP) counts as
 * Ctrl-C, and after a SIGKILL `fanout report <id>` builds it from what is on disk.
 */
async function startRun(target: TestTarget): Promise<{ cli: CliProcess; out: string; runId: string }> {
  const out = await tempDir();
  // Two steps of 3 s: the first one's results are on disk before the second ends.
  const cli = startCli(['run', '--target', target.url, '--steps', '2:4:2', '--step-duration', '3s', '--out', out]);
  const runId = (await cli.waitForStderr(/fanout plan (\S+)/))[1]!;
  return { cli, out, runId };
}

/** Waits until step 1's results are stored (the load goes on in step 2). */
async function untilStepStored(out: string, runId: string, step: number): Promise<void> {
  const giveUpAt = Date.now() + 30_000;
  for (;;) {
    const stored = await readdir(join(out, runId, 'steps', String(step), 'slices'), { recursive: true }).catch(() => []);
    if (stored.some((name) => String(name).endsWith('.cbor'))) return;
    assert.ok(Date.now() < giveUpAt, `step ${step + 1} was never stored`);
    await sleep(50);
  }
}

async function reportOf(out: string, runId: string): Promise<Report> {
  return JSON.parse(await readFile(join(out, runId, 'report.json'), 'utf8')) as Report;
}

for (const [first, second, exitCode] of [['SIGINT', 'SIGINT', 130], ['SIGINT', 'SIGTERM', 143], ['SIGTERM', 'SIGHUP', 129]] as const) {
  test(`${first} then ${second} at once: the process exits (${exitCode}) and leaves a report of what was on disk`, async () => {
    const target = await startTestTarget({ delayMs: 5 });
    try {
      const { cli, out, runId } = await startRun(target);
      await untilStepStored(out, runId, 0);
      cli.child.kill(first);
      await sleep(20);
      cli.child.kill(second);
      const { code } = await cli.exited;
      assert.equal(code, exitCode, cli.stderr());
      const report = await reportOf(out, runId);
      assert.equal(report.status, 'aborted');
      assert.ok(report.steps[0]!.requests > 0, 'step 1, stored before the interrupts, is in the report');
      assert.ok(report.warnings.some((warning) => /finalised from the step results on disk/.test(warning)));
      assert.match(cli.stderr(), new RegExp(`report \\(aborted, \\d+ requests on disk\\): .*${runId}/report\\.json`));
      await assert.doesNotReject(readFile(join(out, runId, 'report.html')));
    } finally {
      await target.close();
    }
  });
}

test('SIGHUP (the terminal closed) stops the run as Ctrl-C does: the report is written, status aborted', async () => {
  const target = await startTestTarget({ delayMs: 5 });
  try {
    const { cli, out, runId } = await startRun(target);
    await untilStepStored(out, runId, 0);
    cli.child.kill('SIGHUP');
    const { code, signal } = await cli.exited;
    assert.equal(signal, null, 'not killed by the signal');
    assert.equal(code, 0, cli.stderr());
    const report = await reportOf(out, runId);
    assert.equal(report.status, 'aborted');
    assert.equal(report.totals.requests, target.received(), 'every request sent is in the report');
  } finally {
    await target.close();
  }
});

test('after a SIGKILL, `fanout report <id>` builds the report from the step results on disk', async () => {
  const target = await startTestTarget({ delayMs: 5 });
  try {
    const { cli, out, runId } = await startRun(target);
    await untilStepStored(out, runId, 0);
    cli.child.kill('SIGKILL');
    await cli.exited;
    await assert.rejects(readFile(join(out, runId, 'report.json')), 'no report yet');
    const rebuilt = await runCli(['report', runId, '--out', out, '--json']);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    const report = JSON.parse(rebuilt.stdout) as Report;
    assert.equal(report.status, 'aborted');
    assert.ok(report.steps[0]!.requests > 0);
    assert.ok(report.warnings.some((warning) => /its process ended before writing the report/.test(warning)));
    assert.deepEqual(await reportOf(out, runId), report);
    await assert.doesNotReject(readFile(join(out, runId, 'report.html')));
  } finally {
    await target.close();
  }
});

test('`fanout report <id>` of a run still going says so, and builds nothing under it', async () => {
  const target = await startTestTarget({ delayMs: 5 });
  try {
    const { cli, out, runId } = await startRun(target);
    await untilStepStored(out, runId, 0);
    const early = await runCli(['report', runId, '--out', out]);
    assert.equal(early.code, 2, early.stderr);
    assert.match(early.stderr, new RegExp(`run ${runId} is still running \\(process ${cli.child.pid}\\)`));
    await assert.rejects(readFile(join(out, runId, 'report.json')), 'no report was built under the run');
    cli.child.kill('SIGINT');
    assert.equal((await cli.exited).code, 0);
    assert.equal((await reportOf(out, runId)).status, 'aborted');
  } finally {
    await target.close();
  }
});
