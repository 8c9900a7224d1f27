import { pageAsset, type PageAsset } from './page-assets.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]!);
}

/**
 * JSON that is safe inside a <script> element: `<` is escaped so that no string in the data (a
 * target URL, an error message) can close the element; U+2028/9 for older parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Inlined code must not contain a literal `</script` either (uPlot and our bundle do not, but be sure). */
function inlineScript(code: string): string {
  return code.replace(/<\/script/gi, '<\\/script');
}

export interface HtmlPage {
  title: string;
  /** The page's bundle (with uPlot in it). */
  script: Extract<PageAsset, `${string}.js`>;
  /** Data for the page's script, in a JSON <script> element with this id. */
  data?: { id: string; value: unknown };
  /** Static markup shown before (and, for a report, without) the script running. */
  body?: string;
  /** The live UI talks to its own server; a report talks to nothing. */
  connectsToOrigin?: boolean;
}

/** Inline code and styles only: nothing is loaded from anywhere, whatever the data holds. */
function contentSecurityPolicy(connectsToOrigin: boolean): string {
  return `default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src ${connectsToOrigin ? "'self'" : "'none'"}`;
}

/** One self-contained HTML document: styles, data and code inlined, nothing fetched from elsewhere. */
export function htmlPage(page: HtmlPage): string {
  const data = page.data ? `<script type="application/json" id="${escapeHtml(page.data.id)}">${jsonForScript(page.data.value)}</script>\n` : '';
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(page.connectsToOrigin === true)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${pageAsset('page.css')}</style>`,
    '</head>',
    '<body>',
    page.body ?? '',
    `${data}<script>${inlineScript(pageAsset(page.script))}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
