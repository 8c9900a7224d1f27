import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Every file under `root`, recursively, with its mode: what a run left on disk, for tests that no
 * secret is in any of it and that none of it is readable by others.
 */
export async function filesUnder(root: string): Promise<Array<{ path: string; mode: number; isDirectory: boolean }>> {
  const found: Array<{ path: string; mode: number; isDirectory: boolean }> = [];
  const visit = async (path: string) => {
    const info = await lstat(path);
    found.push({ path, mode: info.mode & 0o777, isDirectory: info.isDirectory() });
    if (info.isDirectory()) for (const name of await readdir(path)) await visit(join(path, name));
  };
  await visit(root);
  return found;
}

/** The secrets (of `secrets`) that occur in `text`, in any of the spellings given. */
export function secretsIn(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((secret) => text.includes(secret));
}

/** Each file under `root` that holds one of `secrets` (read as bytes, so CBOR and HTML count too), with the secrets found. */
export async function filesHolding(root: string, secrets: readonly string[]): Promise<string[]> {
  const holding: string[] = [];
  for (const file of await filesUnder(root)) {
    if (file.isDirectory) continue;
    const text = (await readFile(file.path)).toString('latin1');
    const found = secretsIn(text, secrets);
    if (found.length > 0) holding.push(`${file.path}: ${found.join(', ')}`);
  }
  return holding;
}
