import { join, resolve } from 'node:path';
import { LocalBlobStore } from '../adapters/local/local-blob-store.js';
import { LocalResultStore } from '../adapters/local/local-result-store.js';
import { finalizeRun } from '../aggregate/aggregate-run.js';
import { reportKey } from '../plan/slice-task.js';
import type { Report } from '../report/report-types.js';

/**
 * A local run's report from the step results on disk, without its process: after a second
 * interrupt (the process is about to exit) or after it was killed. A run whose data is not all
 * there is marked stopped, so the report says `aborted` rather than passing for a complete run.
 */
export async function finalizeOnDisk(outDir: string, runId: string, why: string): Promise<{ report: Report; reportPath: string }> {
  const root = resolve(outDir);
  const deps = { blobs: new LocalBlobStore(root), results: new LocalResultStore(root) };
  const note = [`finalised from the step results on disk: ${why}`];
  let report = await finalizeRun(deps, runId, note);
  if (report.completeness.received < report.completeness.expected && report.status !== 'aborted') {
    await deps.results.requestStop(runId);
    report = await finalizeRun(deps, runId, note);
  }
  return { report, reportPath: join(root, ...reportKey(runId).split('/')) };
}
