import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where this fanout package is installed, found from this file (lib/… when run from source, dist/lib/…
 * when compiled): scenario modules import `fanout`, and are bundled and type-checked against this
 * package, whatever folder they are in.
 */
export interface FanoutPackage {
  root: string;
  /** The compiled entry (package.json `main`): what `import … from 'fanout'` runs. */
  entry: string;
  /** Its declarations (package.json `types`): what a module is type-checked against. */
  types: string;
}

let found: FanoutPackage | undefined;

export function fanoutPackage(): FanoutPackage {
  if (found) return found;
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = readManifest(join(folder, 'package.json'));
    if (manifest?.name === 'fanout' && manifest.main && manifest.types) {
      found = { root: folder, entry: join(folder, manifest.main), types: join(folder, manifest.types) };
      return found;
    }
    const parent = dirname(folder);
    if (parent === folder) throw new Error('the fanout package.json (with main and types) was not found above ' + fileURLToPath(import.meta.url));
    folder = parent;
  }
}

function readManifest(path: string): { name?: string; main?: string; types?: string } | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name?: string; main?: string; types?: string };
  } catch {
    return undefined;
  }
}
