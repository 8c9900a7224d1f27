import { htmlPage } from '../web/html-page.js';
import { UI_ROOT_ID } from '../web/page-ids.js';

/** The live UI's one page; everything else comes from the JSON API (ui-server.ts). */
export function renderUiPage(): string {
  return htmlPage({
    title: 'fanout',
    script: 'ui.js',
    connectsToOrigin: true,
    body: `<div id="${UI_ROOT_ID}"><noscript>fanout's web UI needs JavaScript.</noscript></div>`,
  });
}
