import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LocalResultStore } from '../adapters/local/local-result-store.js';
import { ApiError, type FanoutApiClient } from '../api/api-client.js';
import { runListLimitSchema } from '../api/api-schemas.js';
import { InputError } from '../config/input-error.js';
import { reportKey } from '../plan/slice-task.js';
import { formatRunStatus } from '../progress/remote-progress.js';
import type { RunRecord } from '../ports/result-store.js';
import type { Report } from '../report/report-types.js';
import { finalizeOnDisk } from './finalize-on-disk.js';
import { downloadReport } from './run-aws.js';
import { runningProcessOf } from './run-process.js';

/**
 * `fanout status|stop|report <id>` for either platform: a local run lives in its folder (a
 * running local run polls the same stop flag its workers read), an AWS run behind the HTTP API.
 */
export type RunLocation = { platform: 'local'; outDir: string } | { platform: 'aws'; api: FanoutApiClient; outDir: string };

function unknownRun(runId: string, where: string): InputError {
  return new InputError([{ field: '<id>', message: `no run ${runId} ${where}` }]);
}

async function withRun<T>(runId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) throw unknownRun(runId, 'in the stack');
    if (error instanceof ApiError && error.status === 400 && error.body.problems) throw new InputError(error.body.problems.map((problem) => ({ ...problem, field: '<id>' })));
    throw error;
  }
}

export async function runStatusText(location: RunLocation, runId: string): Promise<{ text: string; json: unknown }> {
  if (location.platform === 'aws') {
    const status = await withRun(runId, () => location.api.getRun(runId));
    return { text: formatRunStatus(status), json: status };
  }
  const results = new LocalResultStore(resolve(location.outDir));
  const run = await results.getRun(runId);
  if (!run) throw unknownRun(runId, `in ${location.outDir}`);
  const steps = await results.listSteps(runId);
  const lines = [`run ${runId}: ${run.status}${run.stopRequested && run.status === 'running' ? ' (stop requested)' : ''}`, `  target ${run.target}`];
  for (const step of steps) lines.push(`  step ${step.step + 1}: ${step.rps.toFixed(1)} req/s, p95 ${step.latency.p95.toFixed(1)} ms, slices ${step.receivedSlices}/${step.expectedSlices}`);
  return { text: lines.join('\n'), json: { run, steps } };
}

/** `fanout runs`: newest first; on AWS optionally one owner's (`me`: the signing identity). */
/** `--limit` of `fanout runs`, by the API's own rule. */
export function parseRunListLimit(text: string): number {
  const parsed = runListLimitSchema.safeParse(text);
  if (!parsed.success) throw new InputError([{ field: '--limit', message: 'expected a whole number from 1 to 200' }]);
  return parsed.data;
}

export async function listRunsText(location: RunLocation, owner: string | undefined, limit: number): Promise<{ text: string; json: unknown }> {
  let runs: RunRecord[];
  if (location.platform === 'aws') {
    runs = (await location.api.listRuns(owner, limit)).runs;
  } else {
    if (owner !== undefined) throw new InputError([{ field: '--owner', message: 'local runs have no owner: it is the IAM identity that started a run on AWS' }]);
    runs = await new LocalResultStore(resolve(location.outDir)).listRuns(limit);
  }
  const lines = runs.map((run) => {
    const when = new Date(run.createdAt).toISOString().replace('T', ' ').slice(0, 19);
    return `${run.runId}  ${run.status.padEnd(9)}  ${when}  ${run.target}${run.owner ? `  ${run.owner}` : ''}`;
  });
  return { text: lines.length === 0 ? 'no runs' : lines.join('\n'), json: runs };
}

export async function stopRunText(location: RunLocation, runId: string): Promise<string> {
  if (location.platform === 'aws') {
    try {
      const answer = await withRun(runId, () => location.api.stopRun(runId));
      return `run ${runId}: stop requested; workers end within about 2 s, and the report (status aborted) follows`+
        (answer.finalizeAt ? ` by ${new Date(answer.finalizeAt).toISOString()}` : '');
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) return `run ${runId}: ${error.body.message}`;
      throw error;
    }
  }
  const results = new LocalResultStore(resolve(location.outDir));
  const run = await results.getRun(runId);
  if (!run) throw unknownRun(runId, `in ${location.outDir}`);
  if (run.status !== 'running') return `run ${runId} has ended (${run.status})`;
  await results.requestStop(runId);
  return `run ${runId}: stop requested; its workers end within about a second`;
}

export async function fetchReport(location: RunLocation, runId: string): Promise<{ report: Report; reportPath: string }> {
  if (location.platform === 'aws') {
    try {
      return await withRun(runId, () => downloadReport(location.api, runId, location.outDir));
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) throw new Error(`run ${runId}: ${error.body.message}`);
      throw error;
    }
  }
  const reportPath = join(resolve(location.outDir), ...reportKey(runId).split('/'));
  try {
    return { report: JSON.parse(await readFile(reportPath, 'utf8')) as Report, reportPath };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return rebuildReport(location.outDir, runId);
}

/**
 * A local run without a report: its process was killed (or crashed) before finalising. The report
 * is built from the step results on disk, unless the run is still going somewhere.
 */
async function rebuildReport(outDir: string, runId: string): Promise<{ report: Report; reportPath: string }> {
  const run = await new LocalResultStore(resolve(outDir)).getRun(runId);
  if (!run) throw unknownRun(runId, `with a report in ${outDir}`);
  const runner = run.status === 'running' ? await runningProcessOf(resolve(outDir), runId) : undefined;
  if (runner !== undefined) {
    throw new InputError([{ field: '<id>', message: `run ${runId} is still running (${runner}); its report comes at its end, or after fanout stop ${runId}` }]);
  }
  return finalizeOnDisk(outDir, runId, 'its process ended before writing the report (killed or crashed); `fanout report` built it');
}
