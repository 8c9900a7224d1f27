import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InputError } from '../config/input-error.js';
import type { ScenarioList } from './ui-api.js';

/** Longest scenario the UI takes, as a file or as pasted text: far above any real scenario. */
export const MAX_SCENARIO_BYTES = 256 * 1024;

const SCENARIO_EXTENSIONS = new Set(['.yml', '.yaml', '.json']);
/** A project folder's own manifests are never scenarios; listing them would only bury the real ones. */
const NOT_SCENARIOS = /^(package(-lock)?\.json|tsconfig(\..+)?\.json)$/;
/** Bounds on the walk, for a UI started in a large folder (a home directory). */
const MAX_DEPTH = 4;
const MAX_DIRECTORIES = 2000;
const MAX_FILES = 500;

function isInside(folder: string, path: string): boolean {
  return path.startsWith(folder.endsWith(sep) ? folder : `${folder}${sep}`);
}

/**
 * The scenario files the UI offers: `.yml`, `.yaml` and `.json` files under the folder where
 * `fanout ui` was started, by relative path. The browser picks one of these by name; it never gives a
 * path of its own, so the UI reads no file outside this list.
 */
export class ScenarioFolder {
  readonly root: string;
  private readonly skipped: string[];

  /** `skip`: folders left out of the list (the runs folder: its JSON files are results, not scenarios). */
  constructor(root: string, skip: string[] = []) {
    this.root = resolve(root);
    this.skipped = skip.map((folder) => resolve(folder));
  }

  async list(): Promise<ScenarioList> {
    const realRoot = await realpath(this.root);
    const skipped = new Set([...this.skipped, ...(await Promise.all(this.skipped.map((folder) => realpath(folder).catch(() => folder))))]);
    const files: string[] = [];
    let directories = 0;
    let truncated = false;
    const walk = async (directory: string, depth: number): Promise<void> => {
      if (++directories > MAX_DIRECTORIES) return void (truncated = true);
      let entries: Dirent[];
      try {
        entries = await readdir(directory, { withFileTypes: true });
      } catch {
        return; // unreadable: not offered
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const entry of entries) {
        if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
        const path = join(directory, entry.name);
        if (entry.isDirectory()) {
          // Symbolic links to folders are not followed: no loops, and nothing outside comes in.
          if (depth < MAX_DEPTH && !skipped.has(path)) await walk(path, depth + 1);
          else if (depth >= MAX_DEPTH) truncated = true;
          continue;
        }
        if (!SCENARIO_EXTENSIONS.has(extname(entry.name).toLowerCase()) || NOT_SCENARIOS.test(entry.name)) continue;
        if (!(await this.isOfferable(realRoot, path))) continue;
        if (files.length >= MAX_FILES) return void (truncated = true);
        files.push(relative(realRoot, path).split(sep).join('/'));
      }
    };
    await walk(realRoot, 0);
    return { folder: this.root, files, truncated };
  }

  /** A regular file (a link only when it leads to one inside the folder) no larger than the UI takes. */
  private async isOfferable(realRoot: string, path: string): Promise<boolean> {
    try {
      const real = await realpath(path);
      const info = await stat(real);
      return isInside(realRoot, real) && info.isFile() && info.size <= MAX_SCENARIO_BYTES;
    } catch {
      return false;
    }
  }

  /**
   * The text of one listed file, by its relative path as the list gives it. Anything else (an
   * absolute path, `..`, a link that leads out, a file not listed) is refused naming the field only.
   */
  async read(relativePath: string): Promise<string> {
    const refuse = (message: string): never => {
      throw new InputError([{ field: 'scenarioFile', message }]);
    };
    if (isAbsolute(relativePath) || /^[a-zA-Z]:/.test(relativePath) || relativePath.includes('\\')) {
      refuse('expected a path relative to the scenario folder, as listed');
    }
    if (relativePath.split('/').some((part) => part === '..' || part === '.' || part === '')) {
      refuse('expected a path inside the scenario folder, as listed (no "..")');
    }
    const listed = await this.list();
    if (!listed.files.includes(relativePath)) refuse(`not one of the scenario files listed under ${this.root}`);
    // A link may have changed since the list was made: resolve it again and read what it resolves to.
    const realRoot = await realpath(this.root);
    const real = await realpath(join(realRoot, relativePath)).catch(() => refuse('the file is gone'));
    if (!isInside(realRoot, real)) refuse(`not one of the scenario files listed under ${this.root}`);
    const text = await readFile(real, 'utf8').catch(() => refuse('the file cannot be read'));
    if (Buffer.byteLength(text) > MAX_SCENARIO_BYTES) refuse(`larger than ${MAX_SCENARIO_BYTES / 1024} KB`);
    return text;
  }
}
