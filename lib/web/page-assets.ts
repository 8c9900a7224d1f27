import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The browser code of fanout's pages (web/*.ts, bundled with uPlot by `npm run build` into
 * dist/web/), read once and inlined into every page so that a report opens offline.
 */
export type PageAsset = 'report.js' | 'ui.js' | 'page.css';

/**
 * Where dist/web is: beside this module's compiled folder (dist/lib/web → dist/web), or, in a
 * Lambda bundle that ships dist/web/ as extra files, under the task root.
 */
function assetDirectories(): string[] {
  const directories = [fileURLToPath(new URL('../../web/', import.meta.url))];
  const taskRoot = process.env.LAMBDA_TASK_ROOT;
  if (taskRoot) directories.push(join(taskRoot, 'dist', 'web'));
  return directories;
}

const cache = new Map<PageAsset, string>();

export class MissingPageAssetError extends Error {}

export function pageAsset(name: PageAsset): string {
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const directories = assetDirectories();
  const found = directories.map((directory) => join(directory, name)).find((path) => existsSync(path));
  if (found === undefined) {
    throw new MissingPageAssetError(`${name} is not built (looked in ${directories.join(', ')}); run npm run build`);
  }
  const text = readFileSync(found, 'utf8');
  cache.set(name, text);
  return text;
}
