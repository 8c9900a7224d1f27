import chromium, { inflate } from '@sparticuz/chromium';
import { fileURLToPath } from 'node:url';

/**
 * Run by browser.ts in a child process whose TMPDIR is an empty staging folder: @sparticuz/chromium
 * unpacks its headless Chromium (and the fonts and SwiftShader beside it) into os.tmpdir(), and
 * here also the NSS and expat libraries it links to (its al2023 archive, which the package itself
 * unpacks only on Lambda), so that the browser needs nothing from the machine but the C library.
 * Prints the browser's path.
 */
const path = await chromium.executablePath();
await inflate(fileURLToPath(new URL('../bin/al2023.tar.br', import.meta.resolve('@sparticuz/chromium'))));
process.stdout.write(`${path}\n`);
