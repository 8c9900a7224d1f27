import { randomUUID } from 'node:crypto';

/**
 * The helpers a template may call, with literal arguments only: `{{ randomInt(1, 20) }}`,
 * `{{ randomString(8) }}`, `{{ uuid() }}`, `{{ now() }}`. Arguments are checked when the scenario
 * loads, so that rendering never fails.
 */
export const HELPER_NAMES = ['randomInt', 'randomString', 'uuid', 'now'] as const;
export type HelperName = (typeof HELPER_NAMES)[number];
export type HelperArgument = number | string;

const MAX_RANDOM_STRING = 10_000;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function isHelperName(name: string): name is HelperName {
  return (HELPER_NAMES as readonly string[]).includes(name);
}

/** Why these arguments do not fit the helper, or undefined when they do. */
export function helperArgumentProblem(helper: HelperName, args: readonly HelperArgument[]): string | undefined {
  const isInteger = (value: HelperArgument | undefined): value is number => typeof value === 'number' && Number.isSafeInteger(value);
  switch (helper) {
    case 'randomInt': {
      const [min, max] = args;
      if (args.length !== 2 || !isInteger(min) || !isInteger(max)) return 'randomInt(min, max) takes two whole numbers';
      return min > max ? `randomInt(${min}, ${max}): min is above max` : undefined;
    }
    case 'randomString': {
      const [length] = args;
      if (args.length !== 1 || !isInteger(length) || length < 1 || length > MAX_RANDOM_STRING) {
        return `randomString(length) takes a whole number from 1 to ${MAX_RANDOM_STRING}`;
      }
      return undefined;
    }
    case 'uuid':
    case 'now':
      return args.length === 0 ? undefined : `${helper}() takes no arguments`;
  }
}

/** The helper's text; the arguments were checked by helperArgumentProblem. */
export function runHelper(helper: HelperName, args: readonly HelperArgument[]): string {
  switch (helper) {
    case 'randomInt': {
      const min = args[0] as number;
      const max = args[1] as number;
      return String(min + Math.floor(Math.random() * (max - min + 1)));
    }
    case 'randomString': {
      const length = args[0] as number;
      let text = '';
      for (let index = 0; index < length; index++) text += ALPHANUMERIC[Math.floor(Math.random() * ALPHANUMERIC.length)];
      return text;
    }
    case 'uuid':
      return randomUUID();
    case 'now':
      // Milliseconds since the epoch: what most APIs take as a timestamp, and sortable.
      return String(Date.now());
  }
}
