import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (`.ci/run` installs it); FANOUT_CHROMIUM overrides the path. */
export const CHROMIUM_PATH = process.env.FANOUT_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install chromium (or set FANOUT_CHROMIUM)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Where the browser tests save their screenshots: dist/screenshots by default; to refresh the ones
 * in the docs, FANOUT_SCREENSHOT_DIR=docs npm test.
 */
export async function screenshotPath(name: string): Promise<string> {
  const repository = fileURLToPath(new URL('../../../', import.meta.url));
  const directory = join(repository, process.env.FANOUT_SCREENSHOT_DIR ?? join('dist', 'screenshots'));
  await mkdir(directory, { recursive: true });
  return join(directory, name);
}
