import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type { Diagnostic } from 'typescript';
import { InputError, type InputProblem } from '../config/input-error.js';
import { displayPath } from './display-path.js';
import { fanoutPackage } from './package-root.js';

const MAX_PROBLEMS = 20;

/**
 * Type-checks a scenario module (and the files it imports) with the TypeScript compiler, strict,
 * against this package's declarations for `fanout` and Node's types: esbuild only strips types.
 * A type error is an InputError naming `file:line:column`.
 *
 * It costs about a second on one core (the compiler loads and checks the ES and Node
 * declarations), once per `fanout run`, on the machine that starts the run; workers load the
 * bundle unchecked. TypeScript is loaded only here, so a worker never pays for it.
 */
export async function checkScenarioModuleTypes(file: string): Promise<void> {
  const { default: ts } = await import('typescript');
  const fanout = fanoutPackage();
  const require = createRequire(import.meta.url);
  const options: import('typescript').CompilerOptions = {
    noEmit: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    // Node's types from this package's dependencies, not from beside the module, which has none.
    typeRoots: [dirname(dirname(require.resolve('@types/node/package.json')))],
    paths: { fanout: [fanout.types] },
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    esModuleInterop: true,
    skipLibCheck: true,
  };
  const program = ts.createProgram([file], options);
  const errors = ts.getPreEmitDiagnostics(program).filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
  if (errors.length === 0) return;
  const problems: InputProblem[] = errors.slice(0, MAX_PROBLEMS).map((diagnostic) => problemOf(ts, diagnostic, file));
  if (errors.length > MAX_PROBLEMS) problems.push({ field: displayPath(file), message: `and ${errors.length - MAX_PROBLEMS} more type errors` });
  throw new InputError(problems);
}

function problemOf(ts: typeof import('typescript'), diagnostic: Diagnostic, file: string): InputProblem {
  const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  if (!diagnostic.file || diagnostic.start === undefined) return { field: displayPath(file), message };
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return { field: `${displayPath(diagnostic.file.fileName)}:${line + 1}:${character + 1}`, message };
}
