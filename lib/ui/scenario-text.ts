import { parse as parseYaml, YAMLParseError, type ErrorCode } from 'yaml';
import { InputError } from '../config/input-error.js';

export type ScenarioSyntax = 'yaml' | 'json';

/**
 * What went wrong, in the parser's own terms but never its message: the yaml library's and V8's
 * messages quote the text around the error, and the UI must not hand any of a file's text back.
 */
const YAML_PROBLEMS: Partial<Record<ErrorCode, string>> = {
  BAD_INDENT: 'bad indentation',
  TAB_AS_INDENT: 'a tab used as indentation',
  BLOCK_AS_IMPLICIT_KEY: 'a nested mapping where a value was expected',
  MULTILINE_IMPLICIT_KEY: 'a key spanning lines',
  DUPLICATE_KEY: 'a key given twice',
  MISSING_CHAR: 'a closing quote or bracket is missing',
  UNEXPECTED_TOKEN: 'unexpected text',
  MULTIPLE_DOCS: 'more than one document',
  BAD_ALIAS: 'a bad alias',
  BAD_DQ_ESCAPE: 'a bad escape in a double-quoted string',
};

function describeYamlError(error: YAMLParseError): string {
  const what = YAML_PROBLEMS[error.code] ?? error.code.toLowerCase().replaceAll('_', ' ');
  const at = error.linePos?.[0];
  return at ? `not valid YAML at line ${at.line}, column ${at.col} (${what})` : `not valid YAML (${what})`;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

function describeJsonError(text: string, error: unknown): string {
  // V8 says "… at position 7" for some errors and quotes the text for others: only the offset is kept.
  const offset = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  if (offset === undefined) return 'not valid JSON';
  const { line, column } = lineAndColumn(text, Number(offset));
  return `not valid JSON at line ${line}, column ${column}`;
}

export function syntaxOfPath(path: string): ScenarioSyntax {
  return path.toLowerCase().endsWith('.json') ? 'json' : 'yaml';
}

/**
 * Parses a scenario's text (a file's, or text pasted into the page) into a document for the scenario
 * schema. A syntax error names `source` and where it is (line and column), without quoting the text.
 */
export function scenarioDocumentOf(text: string, syntax: ScenarioSyntax, source: string): unknown {
  try {
    // logLevel 'error': parse errors throw; warnings (which quote the text too) are not printed.
    return (syntax === 'json' ? JSON.parse(text) : parseYaml(text, { logLevel: 'error' })) ?? {};
  } catch (error) {
    const message =
      syntax === 'json' ? describeJsonError(text, error) : error instanceof YAMLParseError ? describeYamlError(error) : 'not valid YAML';
    throw new InputError([{ field: source, message }]);
  }
}
