import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { unzipSync } from 'fflate';
import { FUNCTIONS, type FunctionKey } from '../lambda/function-specs.js';

/** One function's zip as `sls package` wrote it, unpacked into a folder of its own. */
export interface FunctionBundle {
  key: FunctionKey;
  zipPath: string;
  zipBytes: number;
  /** Sum of the files' sizes: what Lambda counts against its 250 MB unzipped limit. */
  unzippedBytes: number;
  /** Lambda's task root (/var/task): nothing but the zip's files. */
  directory: string;
}

export interface UnpackedBundles {
  bundles: Record<FunctionKey, FunctionBundle>;
  /** Holds every bundle's folder; `remove()` deletes it. */
  root: string;
  remove(): Promise<void>;
}

/**
 * Unpacks each function's zip from an `sls package --package <dir>` folder into an empty folder
 * under the system's temporary directory, as Lambda unpacks it into /var/task: no node_modules
 * beside it or above it, so what the bundle does not carry, it cannot load.
 */
export async function unpackFunctionBundles(packageDir: string): Promise<UnpackedBundles> {
  const root = await mkdtemp(join(tmpdir(), 'fanout-bundles-'));
  try {
    const entries = await Promise.all(
      (Object.keys(FUNCTIONS) as FunctionKey[]).map(async (key): Promise<[FunctionKey, FunctionBundle]> => {
        const zipPath = join(packageDir, `${key}.zip`);
        const zip = await readFile(zipPath);
        const directory = join(root, key);
        let unzippedBytes = 0;
        for (const [name, content] of Object.entries(unzipSync(zip))) {
          if (name.endsWith('/')) continue;
          const path = resolve(directory, name);
          if (!path.startsWith(directory + sep)) throw new Error(`${zipPath}: ${name} lies outside the bundle`);
          await mkdir(dirname(path), { recursive: true });
          await writeFile(path, content);
          unzippedBytes += content.byteLength;
        }
        return [key, { key, zipPath, zipBytes: zip.byteLength, unzippedBytes, directory }];
      }),
    );
    return {
      bundles: Object.fromEntries(entries) as Record<FunctionKey, FunctionBundle>,
      root,
      remove: () => rm(root, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}
