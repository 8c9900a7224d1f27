import { execFile } from 'node:child_process';
import { access, mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Artillery is no dependency of fanout (hundreds of MB): the benchmark installs it on demand from
 * the npm registry into node_modules/.cache, once, with no install scripts. Artillery 2.0.22 and
 * later need Node ≥ 22.13; on an older Node the last 2.x release that supports it, 2.0.21, is taken.
 */
const run = promisify(execFile);

export function artilleryVersionFor(nodeVersion: string): string {
  const [major = 0, minor = 0] = nodeVersion.replace(/^v/, '').split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 13) ? '2' : '2.0.21';
}

function artilleryPrefix(): { spec: string; prefix: string; bin: string } {
  const spec = artilleryVersionFor(process.version);
  // The repository's node_modules/.cache, whatever the working directory (this file runs from dist/bench/peers).
  const prefix = resolve(fileURLToPath(new URL('../../../node_modules/.cache/fanout-bench', import.meta.url)), `artillery-${spec}`);
  return { spec, prefix, bin: join(prefix, 'node_modules/artillery/bin/run') };
}

/** The installed artillery executable (a Node script) and its version, if a run installed it already. */
export async function artilleryInstalled(): Promise<{ bin: string; version: string } | undefined> {
  const { prefix, bin } = artilleryPrefix();
  try {
    await access(bin);
    const { version } = JSON.parse(await readFile(join(prefix, 'node_modules/artillery/package.json'), 'utf8')) as { version: string };
    return { bin, version };
  } catch {
    return undefined;
  }
}

/** The artillery executable, installing it first when needed; the reason when it cannot be. */
export async function ensureArtillery(log: (line: string) => void): Promise<{ bin: string; version: string } | { missing: string }> {
  const installed = await artilleryInstalled();
  if (installed) return installed;
  const { spec, prefix } = artilleryPrefix();
  log(`  installing artillery@${spec} into ${prefix} (once; a few minutes)`);
  try {
    await mkdir(prefix, { recursive: true });
    await run('npm', ['install', '--prefix', prefix, `artillery@${spec}`, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel', 'error'], { timeout: 15 * 60_000 });
  } catch (error) {
    return { missing: `artillery@${spec} could not be installed (${(error as Error).message.split('\n')[0]})` };
  }
  return (await artilleryInstalled()) ?? { missing: `artillery@${spec} installed no executable at node_modules/artillery/bin/run` };
}
