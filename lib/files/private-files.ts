import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';

/**
 * A run's folder and files are its owner's alone (0700, 0600), whatever the umask: plans and reports
 * name the systems under test and how they were loaded.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the folder (and any missing parent) readable by its owner only; an existing one is left as it is. */
export async function makePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Writes a file whole or not at all: into a new temporary file beside it (created 0600, never an
 * existing file or a link), then renamed over the name. A reader sees the old file or the new one,
 * never half of it; an interrupted write leaves the old one; a link at the name is replaced, never
 * written through.
 */
export async function writeFileAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, data, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
