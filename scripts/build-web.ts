import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles the pages' browser code (web/*.ts, type-checked by web/tsconfig.json) with uPlot into
 * dist/web/: report.js for report.html, ui.js for `fanout ui`, page.css for both. Part of
 * `npm run build` (and so of `npm ci`); the pages inline these files, so nothing loads from a CDN.
 */
const root = new URL('../../', import.meta.url);
const at = (path: string) => fileURLToPath(new URL(path, root));
const require = createRequire(import.meta.url);

const uplotPackage = JSON.parse(await readFile(require.resolve('uplot/package.json'), 'utf8')) as { version: string; license: string };
// uPlot's own header is not a "legal comment" to esbuild, so its notice is kept by a banner.
const banner = `/*! uPlot v${uplotPackage.version} | (c) Leon Sorokin | ${uplotPackage.license} License | https://github.com/leeoniya/uPlot */`;

await mkdir(at('dist/web'), { recursive: true });
await build({
  entryPoints: { report: at('web/report-main.ts'), ui: at('web/ui-main.ts') },
  outdir: at('dist/web'),
  bundle: true,
  format: 'iife',
  target: 'es2020',
  platform: 'browser',
  minify: true,
  legalComments: 'inline',
  banner: { js: banner },
  logLevel: 'warning',
});
const css = [await readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'), await readFile(at('web/page.css'), 'utf8')].join('\n');
await writeFile(at('dist/web/page.css'), css);
process.stdout.write(`built ${at('dist/web')}: report.js, ui.js, page.css\n`);
