import type { z } from 'zod';

/** Bad outside input: the CLI exits with code 2 and the API answers 400, before anything starts. */
export class InputError extends Error {
  readonly problems: InputProblem[];

  constructor(problems: InputProblem[]) {
    super(problems.map((problem) => `${problem.field}: ${problem.message}`).join('\n'));
    this.name = 'InputError';
    this.problems = problems;
  }
}

export interface InputProblem {
  /** The field as the user wrote it: `load.users`, `requests[1].method` or `--users`. */
  field: string;
  message: string;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text.length === 0 ? String(part) : `.${String(part)}`;
  }
  return text.length === 0 ? '(top level)' : text;
}

/** Turns zod issues into problems, naming each field through `nameField` (e.g. a path → a flag). */
export function problemsFromZod(error: z.ZodError, nameField: (path: string) => string = (path) => path): InputProblem[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: nameField(formatPath([...issue.path, key])), message: 'unknown field' }));
    }
    return [{ field: nameField(formatPath(issue.path)), message: issue.message }];
  });
}
