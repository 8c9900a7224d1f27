import assert from 'node:assert/strict';
import { InputError, type InputProblem } from '../../lib/config/input-error.js';

/** The problems of the InputError that `run` throws; fails the test when it throws none or another error. */
export function problemsOf(run: () => unknown): InputProblem[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error.problems;
    throw error;
  }
  assert.fail('expected an InputError');
}

export async function problemsOfAsync(run: () => Promise<unknown>): Promise<InputProblem[]> {
  try {
    await run();
  } catch (error) {
    if (error instanceof InputError) return error.problems;
    throw error;
  }
  assert.fail('expected an InputError');
}
