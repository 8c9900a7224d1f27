import type { RunListEntry } from '../lib/ui/ui-api.js';
import { UI_ROOT_ID } from '../lib/web/page-ids.js';
import { ApiFailure, api } from './api.js';
import { h, section, table } from './dom.js';
import { formatRate, formatTime } from './format.js';
import { LivePanel, showReport } from './live-panel.js';
import { StartForm } from './start-form.js';

/** Opened without the token (or with an old one): the page has nothing to show but how to get in. */
function showLocked(root: HTMLElement): void {
  root.replaceChildren(
    h('section', { class: 'locked' }, h('h2', {}, 'This page needs its token'), h('p', {}, 'Open the address fanout ui printed when it started: http://…/?token=…')),
  );
  document.body.dataset.locked = 'true';
}

/**
 * `fanout ui`'s page: the start form and the past runs on the left; the running run (live) or the
 * chosen run's report on the right.
 */
async function main(): Promise<void> {
  const root = document.getElementById(UI_ROOT_ID)!;
  const info = await api.info().catch((error: unknown) => {
    if (error instanceof ApiFailure && error.status === 401) return undefined;
    throw error;
  });
  if (!info) {
    showLocked(root);
    return;
  }
  const scenarios = await api.scenarios();
  const mainArea = h('div', { class: 'main-area' }, h('section', { class: 'empty intro' }, 'Start a run, or pick a past run to see its report.'));
  const runsArea = h('div', { class: 'runs' });
  let live: LivePanel | undefined;
  let selected: string | undefined;

  const showLive = (runId: string) => {
    live?.dispose();
    selected = runId;
    live = new LivePanel(runId, () => {
      form.setBusy(false);
      void refreshRuns();
    });
    mainArea.replaceChildren(live.element);
    live.start();
    form.setBusy(true);
    void refreshRuns();
  };

  const showPast = async (runId: string) => {
    if (live && live.runId === runId) return;
    live?.dispose();
    live = undefined;
    selected = runId;
    const container = h('div', { class: 'past-report' });
    mainArea.replaceChildren(container);
    await showReport(container, runId);
    renderRuns(lastRuns);
    form.setBusy((await api.info()).activeRunId !== null);
  };

  const form = new StartForm(info, scenarios, showLive);
  let lastRuns: RunListEntry[] = [];
  const renderRuns = (runs: RunListEntry[]) => {
    lastRuns = runs;
    runsArea.replaceChildren(
      runs.length === 0
        ? h('p', { class: 'empty' }, `No runs in ${info.outDir} yet.`)
        : table(
            [
              {
                title: 'run',
                cell: (run) => [
                  h('a', { href: `#${run.runId}`, onclick: (event: Event) => {
                    event.preventDefault();
                    if (run.status === 'running' && info.activeRunId === run.runId) showLive(run.runId);
                    else void showPast(run.runId);
                  } }, run.runId),
                  h('div', { class: 'hint' }, formatTime(run.createdAt)),
                ],
              },
              { title: 'status', cell: (run) => h('span', { class: `badge status-${run.status}` }, run.status) },
              { title: 'req/s', cell: (run) => (run.rps === undefined ? '–' : formatRate(run.rps)), numeric: true },
              { title: 'knee', cell: (run) => run.knee ?? (run.slo ? (run.slo.passed ? 'SLO met' : '–') : '–') },
            ],
            runs,
            { class: 'runs-table' },
          ),
    );
    for (const row of runsArea.querySelectorAll('tbody tr')) {
      const runId = row.querySelector('a')?.textContent;
      row.classList.toggle('selected', runId === selected);
    }
  };
  const refreshRuns = async () => renderRuns(await api.runs());

  root.replaceChildren(
    h('header', { class: 'topbar' }, h('span', { class: 'brand' }, 'fanout'), h('span', { class: 'where' }, `runs in ${info.outDir}`)),
    h(
      'div',
      { class: 'app' },
      h(
        'div',
        { class: 'layout' },
        h('aside', {}, section('Start a run', { class: 'start' }, form.element), section('Past runs', { class: 'past-runs' }, runsArea)),
        mainArea,
      ),
    ),
  );
  await refreshRuns();
  // A run this UI started before the page was (re)loaded: follow it.
  if (info.activeRunId) showLive(info.activeRunId);
  document.body.dataset.ready = 'true';
}

void main();
