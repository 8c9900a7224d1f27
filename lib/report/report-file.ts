import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InputError, problemsFromZod } from '../config/input-error.js';
import { writeFileAtomically } from '../files/private-files.js';
import { renderReportHtml } from './html-report.js';
import { reportSchema } from './report-schema.js';
import type { Report } from './report-types.js';

/** Reads and checks a report.json: anything else (or an older schema) is bad input, named by its path. */
export async function readReportFile(path: string): Promise<Report> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError([{ field: path, message: `cannot read the report (${(error as NodeJS.ErrnoException).code ?? String(error)})` }]);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new InputError([{ field: path, message: `not JSON: ${(error as Error).message}` }]);
  }
  const parsed = reportSchema.safeParse(document);
  if (!parsed.success) throw new InputError(problemsFromZod(parsed.error, (field) => `${path}: ${field}`).slice(0, 5));
  return parsed.data;
}

/**
 * `fanout report <path-or-id>` on this machine: a report.json file, or a run's folder, read
 * directly; undefined when the argument names no such file or folder (it is then a run id).
 */
export async function readLocalReportArgument(argument: string): Promise<{ report: Report; reportPath: string } | undefined> {
  const path = resolve(argument);
  const found = await stat(path).catch(() => undefined);
  if (!found) return undefined;
  const reportPath = found.isDirectory() ? join(path, 'report.json') : path;
  return { report: await readReportFile(reportPath), reportPath };
}

/** Writes (or refreshes) report.html beside report.json, whole or not at all, owner-only; returns its path. */
export async function writeReportHtml(reportPath: string, report: Report): Promise<string> {
  const htmlPath = join(dirname(reportPath), 'report.html');
  await writeFileAtomically(htmlPath, renderReportHtml(report));
  return htmlPath;
}
