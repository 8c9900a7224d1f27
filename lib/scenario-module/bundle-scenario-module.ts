import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { build, type Message, type Plugin } from 'esbuild';
import { InputError, type InputProblem } from '../config/input-error.js';
import { checkScenarioModuleTypes } from './check-module-types.js';
import { displayPath } from './display-path.js';
import { fanoutPackage } from './package-root.js';

export interface BundleOptions {
  /** Type-check a TypeScript module (default true); see check-module-types.ts for what it costs. */
  typeCheck?: boolean;
}

/**
 * Bundles a TypeScript (or JavaScript) scenario module into one ES module, as text: everything it
 * imports is inside, `fanout` being this package's own entry, so the module's folder needs no
 * node_modules and the code can travel in a plan to a worker (see loadScenarioModule).
 * A syntax, resolution or type error is an InputError naming `file:line:column`.
 */
export async function bundleScenarioModule(path: string, options: BundleOptions = {}): Promise<string> {
  const file = resolve(path);
  try {
    await access(file);
  } catch {
    throw new InputError([{ field: path, message: 'no such file' }]);
  }
  let code: string;
  try {
    const result = await build({
      entryPoints: [file],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      plugins: [resolveFanoutToThisPackage],
      // A bundled CommonJS dependency calls require(), which an ES module lacks; a data: URL has no
      // file to resolve from, so require() resolves from the working directory (Node's built-ins).
      banner: {
        js: "import { createRequire as fanoutCreateRequire } from 'node:module'; const require = fanoutCreateRequire(import.meta.url.startsWith('file:') ? import.meta.url : process.cwd() + '/');",
      },
    });
    code = result.outputFiles[0]!.text;
  } catch (error) {
    const messages = (error as { errors?: Message[] }).errors;
    if (!Array.isArray(messages) || messages.length === 0) throw error;
    throw new InputError(messages.map(problemOf));
  }
  // After bundling, whose syntax errors are quicker to find and as precise. A JavaScript module has
  // no types to check.
  if ((options.typeCheck ?? true) && TYPESCRIPT.test(file)) await checkScenarioModuleTypes(file);
  return code;
}

const TYPESCRIPT = /\.[mc]?ts$/i;

const resolveFanoutToThisPackage: Plugin = {
  name: 'fanout',
  setup(build) {
    build.onResolve({ filter: /^fanout$/ }, () => ({ path: fanoutPackage().entry }));
  },
};

function problemOf(message: Message): InputProblem {
  const location = message.location;
  if (!location) return { field: 'scenario module', message: message.text };
  const file = displayPath(resolve(location.file));
  // esbuild counts columns from 0, editors and tsc from 1.
  return { field: `${file}:${location.line}:${location.column + 1}`, message: message.text };
}
