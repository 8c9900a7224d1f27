import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

const run = promisify(execFile);
const REPOSITORY = fileURLToPath(new URL('../../../', import.meta.url));

/** Debian's chromium, when the machine has it. */
const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** A browser to launch, and what its process needs in its environment. */
export interface ChromiumBinary {
  path: string;
  env: Record<string, string>;
  source: 'FANOUT_CHROMIUM' | 'system' | '@sparticuz/chromium';
}

/**
 * The headless Chromium that the @sparticuz/chromium devDependency carries (brotli-compressed, for
 * linux-x64), unpacked once into node_modules/.cache/fanout/chromium-<version>/, with the NSS
 * libraries it links to beside it: a machine with only Node and npm runs it.
 *
 * The package unpacks into os.tmpdir() itself and takes whatever is at /tmp/chromium for its own;
 * unpacking in a child process whose TMPDIR is a private staging folder, moved into the cache whole,
 * leaves nothing half-written (a run cut short, two runs at once) where a later run would look.
 */
async function packagedChromium(): Promise<ChromiumBinary> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`no Chromium: the packaged one (@sparticuz/chromium) is for linux-x64, not ${process.platform}-${process.arch}; set FANOUT_CHROMIUM to a Chromium or Chrome binary`);
  }
  const packageDir = fileURLToPath(new URL('../', import.meta.resolve('@sparticuz/chromium')));
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const cache = join(REPOSITORY, 'node_modules', '.cache', 'fanout');
  const folder = join(cache, `chromium-${version}`);
  const path = join(folder, 'chromium');
  if (!existsSync(path)) {
    await mkdir(cache, { recursive: true });
    const staging = await mkdtemp(`${folder}.staging-`);
    try {
      await run(process.execPath, [fileURLToPath(new URL('./unpack-chromium.js', import.meta.url))], { env: { ...process.env, TMPDIR: staging }, timeout: 5 * 60_000 });
      // Its fonts, and the machine's when it has a fontconfig of its own.
      const fontsConf = [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
        '<fontconfig>',
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
        `  <dir>${join(folder, 'fonts')}</dir>`,
        `  <cachedir>${join(folder, 'fonts-cache')}</cachedir>`,
        '</fontconfig>',
        '',
      ].join('\n');
      await writeFile(join(staging, 'fonts.conf'), fontsConf);
      await rename(staging, folder).catch((error: unknown) => {
        // Another run moved its copy in first: use that one.
        if (!existsSync(path)) throw error;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  return {
    path,
    env: {
      LD_LIBRARY_PATH: join(folder, 'al2023', 'lib'),
      FONTCONFIG_FILE: join(folder, 'fonts.conf'),
      // This build takes its language from the locale and makes `en-US@posix` of C or POSIX (the
      // default of many a CI machine), which the pages' Intl calls refuse.
      LC_ALL: 'en_US.UTF-8',
    },
    source: '@sparticuz/chromium',
  };
}

/**
 * The browser the browser tests drive: FANOUT_CHROMIUM (a path; `packaged` for the npm-packaged
 * one even where the machine has its own), else Debian's /usr/bin/chromium when installed, else
 * the Chromium of the @sparticuz/chromium devDependency, so that `npm ci && npm test` needs no
 * system package.
 */
export async function findChromium(): Promise<ChromiumBinary> {
  const wanted = process.env.FANOUT_CHROMIUM;
  if (wanted === 'packaged') return packagedChromium();
  if (wanted) {
    if (!existsSync(wanted)) throw new Error(`FANOUT_CHROMIUM=${wanted}: no such file`);
    return { path: wanted, env: {}, source: 'FANOUT_CHROMIUM' };
  }
  if (existsSync(SYSTEM_CHROMIUM)) return { path: SYSTEM_CHROMIUM, env: {}, source: 'system' };
  return packagedChromium();
}

export async function launchChromium(): Promise<Browser> {
  const binary = await findChromium();
  return chromium.launch({
    executablePath: binary.path,
    env: { ...process.env, ...binary.env },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Where the browser tests save their screenshots: dist/screenshots by default; to refresh the ones
 * in the docs, FANOUT_SCREENSHOT_DIR=docs npm test.
 */
export async function screenshotPath(name: string): Promise<string> {
  const directory = join(REPOSITORY, process.env.FANOUT_SCREENSHOT_DIR ?? join('dist', 'screenshots'));
  await mkdir(directory, { recursive: true });
  return join(directory, name);
}
