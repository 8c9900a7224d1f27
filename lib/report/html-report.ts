import { escapeHtml, htmlPage } from '../web/html-page.js';
import { REPORT_DATA_ID, REPORT_ROOT_ID } from '../web/page-ids.js';
import type { Report } from './report-types.js';

/**
 * report.html: one self-contained file (uPlot, styles, code and the report's data inlined) that
 * opens offline, from a laptop's disk or an S3 link alike.
 */
export function renderReportHtml(report: Report): string {
  return htmlPage({
    title: `fanout report · ${report.run.name} · ${report.run.id}`,
    script: 'report.js',
    data: { id: REPORT_DATA_ID, value: report },
    body: `<main id="${REPORT_ROOT_ID}"><noscript>This report draws its charts with JavaScript. The data is in report.json beside this file (run ${escapeHtml(report.run.id)}).</noscript></main>`,
  });
}
