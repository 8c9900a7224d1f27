import { InputError } from '../config/input-error.js';
import type { CaptureSpec } from './flow-schema.js';
import type { InspectedResponse } from './inspected-response.js';
import { compileJsonPath, firstMatch, type CompiledJsonPath } from './json-path.js';

/**
 * Captures: values taken from a response into the user's values, for later steps' templates.
 * A compiled capture is plain data (JSON-serialisable), so it can travel in a plan.
 */
export type CompiledCapture = { name: string; slot: number } & (
  | { from: 'json'; path: CompiledJsonPath }
  /** `group`: a number, or the name of a named group. */
  | { from: 'regex'; pattern: string; group: number | string }
  /** `header` in lower case. */
  | { from: 'header'; header: string }
  | { from: 'status' }
);

/** A capture that found nothing: an error of type `capture` on the request; the iteration stops. */
export interface CaptureFailure {
  capture: string;
  /** Why, for the error sample: `no match for $.items[0].id`, `the body is not JSON`. */
  reason: string;
}

/** `field` names the capture in errors (`flows[0].steps[0].capture.itemId`). */
export function compileCapture(name: string, spec: CaptureSpec, slot: number, field: string): CompiledCapture {
  if (spec.json !== undefined) return { name, slot, from: 'json', path: compileJsonPath(spec.json) };
  if (spec.regex !== undefined) return { name, slot, from: 'regex', pattern: spec.regex, group: regexGroup(spec.regex, spec.group, field) };
  if (spec.header !== undefined) return { name, slot, from: 'header', header: spec.header.toLowerCase() };
  return { name, slot, from: 'status' };
}

/**
 * Runs a step's captures in order, writing each value into `values` at its slot. Returns the first
 * capture that found nothing, or undefined when all found a value.
 */
export function runCaptures(captures: readonly CompiledCapture[], response: InspectedResponse, values: unknown[]): CaptureFailure | undefined {
  for (let index = 0; index < captures.length; index++) {
    const capture = captures[index]!;
    switch (capture.from) {
      case 'status':
        values[capture.slot] = response.status;
        break;
      case 'header': {
        const value = response.header(capture.header);
        if (value === undefined) return { capture: capture.name, reason: `no ${capture.header} header` };
        values[capture.slot] = value;
        break;
      }
      case 'json': {
        const parsed = response.json();
        if (!parsed.ok) return { capture: capture.name, reason: 'the body is not JSON' };
        const match = firstMatch(capture.path, parsed.value);
        if (!match.found) return { capture: capture.name, reason: `no match for ${capture.path.path}${match.error ? ` (${match.error})` : ''}` };
        values[capture.slot] = match.value;
        break;
      }
      case 'regex': {
        const match = regexFor(capture.pattern).exec(response.text());
        const value = match === null ? undefined : typeof capture.group === 'number' ? match[capture.group] : match.groups?.[capture.group];
        if (value === undefined) {
          return { capture: capture.name, reason: match === null ? `no match for /${capture.pattern}/` : `group ${capture.group} of /${capture.pattern}/ took no part in the match` };
        }
        values[capture.slot] = value;
        break;
      }
    }
  }
  return undefined;
}

// Compiled patterns by source, shared by every user of the process: a capture is plain data, and
// a regex without the g flag keeps no state between exec calls.
const regexes = new Map<string, RegExp>();

function regexFor(pattern: string): RegExp {
  let regex = regexes.get(pattern);
  if (!regex) regexes.set(pattern, (regex = new RegExp(pattern)));
  return regex;
}

/** Group 1 when the pattern has groups, else the whole match; a given group must exist. */
function regexGroup(pattern: string, group: number | string | undefined, field: string): number | string {
  // A pattern that can match the empty string tells its group count through the match's length.
  const groups = new RegExp(`${pattern}|`).exec('')!;
  const count = groups.length - 1;
  if (group === undefined) return count > 0 ? 1 : 0;
  if (typeof group === 'number' && group > count) {
    throw new InputError([{ field: `${field}.group`, message: `the pattern has ${count === 0 ? 'no groups' : `only ${count} group${count === 1 ? '' : 's'}`}` }]);
  }
  if (typeof group === 'string' && !(groups.groups && group in groups.groups)) {
    throw new InputError([{ field: `${field}.group`, message: `the pattern has no group named ${group}` }]);
  }
  return group;
}
