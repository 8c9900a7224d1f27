import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalResultStore } from '../adapters/local/local-result-store.js';
import { reportKey } from '../plan/slice-task.js';
import type { Report } from '../report/report-types.js';
import type { RunListEntry } from './ui-api.js';

const runIdPattern = /^[A-Za-z0-9-]{1,64}$/;

export function isRunId(text: string): boolean {
  return runIdPattern.test(text);
}

/** The report.json of a run in the output folder, or undefined when it has none (yet). */
export async function readRunReport(outDir: string, runId: string): Promise<Report | undefined> {
  if (!isRunId(runId)) return undefined;
  try {
    return JSON.parse(await readFile(join(outDir, ...reportKey(runId).split('/')), 'utf8')) as Report;
  } catch {
    return undefined;
  }
}

function fromReport(entry: Omit<RunListEntry, 'hasReport'>, report: Report | undefined): RunListEntry {
  if (!report) return { ...entry, hasReport: false };
  const firstBad = report.knee?.firstBad;
  return {
    ...entry,
    status: report.status,
    hasReport: true,
    requests: report.totals.requests,
    rps: report.totals.rps,
    p95: report.totals.latency.p95,
    ...(report.slo ? { slo: report.slo } : {}),
    ...(firstBad ? { knee: firstBad.users !== undefined ? `${firstBad.users} users` : `${firstBad.rate} req/s` } : {}),
  };
}

/**
 * Past runs in the output folder, newest first: the runs table's items (local runs), and reports
 * downloaded from AWS (`fanout report <id> --platform aws`), which have a report but no table.
 */
export async function listRuns(outDir: string, limit = 100): Promise<RunListEntry[]> {
  const runs = await new LocalResultStore(outDir).listRuns(limit);
  const entries = await Promise.all(
    runs.map(async (run) =>
      fromReport(
        {
          runId: run.runId,
          createdAt: new Date(run.createdAt).toISOString(),
          target: run.target,
          platform: run.platform,
          model: run.model,
          status: run.status,
          steps: run.steps,
        },
        run.status === 'running' ? undefined : await readRunReport(outDir, run.runId),
      ),
    ),
  );
  const known = new Set(entries.map((entry) => entry.runId));
  let names: string[] = [];
  try {
    names = await readdir(outDir);
  } catch {
    // No output folder yet: no runs.
  }
  for (const name of names.filter((candidate) => isRunId(candidate) && !known.has(candidate))) {
    const report = await readRunReport(outDir, name);
    if (!report) continue;
    entries.push(
      fromReport(
        {
          runId: name,
          createdAt: report.run.startedAt,
          target: report.run.target,
          platform: report.run.platform,
          model: report.run.plan.model,
          status: report.status,
          steps: report.steps.length,
        },
        report,
      ),
    );
  }
  return entries.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
}
