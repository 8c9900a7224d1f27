import type { Report } from '../lib/report/report-types.js';
import { REPORT_DATA_ID, REPORT_ROOT_ID } from '../lib/web/page-ids.js';
import { renderReport } from './report-view.js';

/** report.html's entry: the report is inlined as JSON beside this code. */
const data = document.getElementById(REPORT_DATA_ID);
const root = document.getElementById(REPORT_ROOT_ID);
if (data?.textContent && root) {
  renderReport(root, JSON.parse(data.textContent) as Report);
  document.body.dataset.rendered = 'true';
}
