import { InputError, formatPath } from '../config/input-error.js';
import { HELPER_NAMES, helperArgumentProblem, isHelperName, runHelper, type HelperArgument, type HelperName } from './template-helpers.js';

/**
 * Templates: `{{ name }}`, `{{ set.column }}`, `{{ helper(literal, …) }}` and `${env:NAME}` inside
 * paths, header values and bodies. A template is compiled once, when the scenario loads, into an
 * array of parts, so that rendering is one concatenation with no parsing; every name is checked
 * then, so an unknown name is a load-time InputError and never a runtime surprise.
 *
 * The grammar is deliberately this small (a name path or a helper call with JSON literal
 * arguments), so it is matched with two regular expressions and JSON.parse rather than a general
 * template engine: none checks names against a scope at compile time, and all render slower.
 *
 * Compiled templates are plain data (JSON-serialisable), so a compiled flow can travel in a plan.
 */

/** One piece of a compiled template. */
export type TemplatePart =
  /** Literal text (already JSON-escaped inside a JSON body). */
  | { kind: 'text'; text: string }
  /** `${env:NAME}`, resolved at load time. Kept apart from text because the value is a secret to redact. */
  | { kind: 'env'; name: string; value: string }
  /** A name whose value differs per user (a data column, a capture): read from the user's values at `slot`. */
  | { kind: 'value'; name: string; slot: number; jsonEscape: boolean }
  | { kind: 'helper'; helper: HelperName; args: HelperArgument[] };

interface TemplateCommon {
  /** The text as written (for a JSON body: the body as JSON), with `${env:…}` unresolved: safe to show. */
  source: string;
  /** Environment variables read by this template: their values are in the output, and are secrets. */
  env: string[];
}

/** Fixed at load time: only text, variables and environment variables. */
export interface StaticTemplate extends TemplateCommon {
  static: true;
  value: string;
}

export interface DynamicTemplate extends TemplateCommon {
  static: false;
  parts: TemplatePart[];
}

export type Template = StaticTemplate | DynamicTemplate;

/** What a template may read, besides helpers. */
export interface TemplateScope {
  /** Environment variables for `${env:NAME}` (process.env on the CLI; the plan's copy on a worker). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Names fixed at load time (variables), as compiled parts (text, or env parts for `${env:…}`). */
  readonly constants: ReadonlyMap<string, readonly ConstantPart[]>;
  /** Names read per user at render time → their slot in the user's values. */
  readonly slots: ReadonlyMap<string, number>;
  /** Where the template is, for messages: `step "item"`. */
  readonly where?: string | undefined;
}

export type ConstantPart = Extract<TemplatePart, { kind: 'text' | 'env' }>;

/** A user's per-user values, indexed by slot (see compile-flows.ts). */
export type UserValues = ArrayLike<unknown>;

const NAME_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*$/;
const HELPER_CALL = /^([A-Za-z_][A-Za-z0-9_]*)\s*\(([\s\S]*)\)$/;
const ENV_REFERENCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/y;
const MAX_NAMES_LISTED = 12;

export function hasTemplate(text: string): boolean {
  return text.includes('{{') || text.includes('${env:');
}

/** Compiles a string template; `field` names it in errors (`flows[0].steps[1].path`). */
export function compileTemplate(text: string, scope: TemplateScope, field: string): Template {
  return finish(parseParts(text, scope, field, false), text);
}

/**
 * Compiles a JSON body: every string leaf is a template. A leaf that is exactly one `{{ … }}` still
 * renders as a JSON string: the body keeps the shape written in the scenario, and a value that
 * happens to look like a number does not silently change type. To send a number, write a number.
 */
export function compileJsonTemplate(body: unknown, scope: TemplateScope, field: string): Template {
  const parts: TemplatePart[] = [];
  const emit = (text: string): void => {
    parts.push({ kind: 'text', text });
  };
  const walk = (value: unknown, path: (string | number)[]): void => {
    if (typeof value === 'string') {
      if (!hasTemplate(value)) {
        emit(JSON.stringify(value));
        return;
      }
      emit('"');
      parts.push(...parseParts(value, scope, fieldAt(field, path), true));
      emit('"');
    } else if (Array.isArray(value)) {
      emit('[');
      value.forEach((item, index) => {
        if (index > 0) emit(',');
        // JSON.stringify writes null for what JSON cannot hold in an array.
        if (item === undefined || typeof item === 'function') emit('null');
        else walk(item, [...path, index]);
      });
      emit(']');
    } else if (value !== null && typeof value === 'object') {
      emit('{');
      let first = true;
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined || typeof item === 'function') continue;
        emit(`${first ? '' : ','}${JSON.stringify(key)}:`);
        first = false;
        walk(item, [...path, key]);
      }
      emit('}');
    } else {
      emit(JSON.stringify(value) ?? 'null');
    }
  };
  walk(body, []);
  return finish(parts, JSON.stringify(body) ?? 'null');
}

/** Renders a template for one user. */
export function renderTemplate(template: Template, values: UserValues): string {
  if (template.static) return template.value;
  let text = '';
  const parts = template.parts;
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index]!;
    switch (part.kind) {
      case 'text':
        text += part.text;
        break;
      case 'env':
        text += part.value;
        break;
      case 'value': {
        const valueText = textOf(values[part.slot]);
        text += part.jsonEscape ? JSON.stringify(valueText).slice(1, -1) : valueText;
        break;
      }
      case 'helper':
        // Helper output is digits, letters and dashes: nothing to escape in JSON.
        text += runHelper(part.helper, part.args);
        break;
    }
  }
  return text;
}

/** How a value appears in rendered text: strings as they are, anything else as JSON (`42`, `true`, `{"a":1}`). */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value) ?? '';
}

/** The constant parts of a variable's value: its text, with `${env:NAME}` resolved. No `{{ }}`. */
export function compileConstant(value: string | number, env: TemplateScope['env'], field: string): ConstantPart[] {
  if (typeof value === 'number') return [{ kind: 'text', text: String(value) }];
  if (value.includes('{{')) {
    throw new InputError([{ field, message: 'a variable is a constant: it may use ${env:NAME}, but not {{ }}' }]);
  }
  return parseParts(value, { env, constants: new Map(), slots: new Map() }, field, false) as ConstantPart[];
}

/** `json` + [`items`, 0, `sku`] → `json.items[0].sku`. */
function fieldAt(field: string, path: (string | number)[]): string {
  if (path.length === 0) return field;
  const rest = formatPath(path);
  return rest.startsWith('[') ? field + rest : `${field}.${rest}`;
}

function finish(parts: TemplatePart[], source: string): Template {
  const merged: TemplatePart[] = [];
  for (const part of parts) {
    const last = merged[merged.length - 1];
    if (part.kind === 'text' && last?.kind === 'text') merged[merged.length - 1] = { kind: 'text', text: last.text + part.text };
    else if (part.kind !== 'text' || part.text.length > 0) merged.push(part);
  }
  const env = [...new Set(merged.flatMap((part) => (part.kind === 'env' ? [part.name] : [])))];
  if (merged.every((part) => part.kind === 'text' || part.kind === 'env')) {
    return { static: true, value: merged.map((part) => (part.kind === 'text' ? part.text : part.kind === 'env' ? part.value : '')).join(''), source, env };
  }
  return { static: false, parts: merged, source, env };
}

function parseParts(text: string, scope: TemplateScope, field: string, jsonEscape: boolean): TemplatePart[] {
  const parts: TemplatePart[] = [];
  const literal = (value: string) => (jsonEscape ? JSON.stringify(value).slice(1, -1) : value);
  const fail = (message: string): never => {
    throw new InputError([{ field, message: scope.where ? `${message} (${scope.where})` : message }]);
  };
  let position = 0;
  while (position < text.length) {
    const open = text.indexOf('{{', position);
    const envStart = text.indexOf('${env:', position);
    const next = open === -1 ? envStart : envStart === -1 ? open : Math.min(open, envStart);
    if (next === -1) {
      parts.push({ kind: 'text', text: literal(text.slice(position)) });
      break;
    }
    parts.push({ kind: 'text', text: literal(text.slice(position, next)) });
    if (next === open) {
      const close = text.indexOf('}}', open + 2);
      if (close === -1) fail(`"{{" without its "}}" in ${JSON.stringify(text)}`);
      parts.push(...expressionParts(text.slice(open + 2, close).trim(), scope, jsonEscape, fail));
      position = close + 2;
    } else {
      ENV_REFERENCE.lastIndex = envStart;
      const match = ENV_REFERENCE.exec(text);
      if (!match) return fail(`expected \${env:NAME} (letters, digits and _) in ${JSON.stringify(text)}`);
      const name = match[1]!;
      const value = scope.env[name];
      if (value === undefined) fail(`the environment variable ${name} is not set`);
      parts.push({ kind: 'env', name, value: literal(value!) });
      position = envStart + match[0].length;
    }
  }
  return parts;
}

function expressionParts(expression: string, scope: TemplateScope, jsonEscape: boolean, fail: (message: string) => never): TemplatePart[] {
  if (NAME_PATH.test(expression)) {
    const constant = scope.constants.get(expression);
    if (constant) {
      return constant.map((part) =>
        jsonEscape ? (part.kind === 'text' ? { kind: 'text', text: JSON.stringify(part.text).slice(1, -1) } : { ...part, value: JSON.stringify(part.value).slice(1, -1) }) : part,
      );
    }
    const slot = scope.slots.get(expression);
    if (slot === undefined) {
      const known = [...scope.constants.keys(), ...scope.slots.keys()];
      const listed = known.length === 0 ? 'none' : known.slice(0, MAX_NAMES_LISTED).join(', ') + (known.length > MAX_NAMES_LISTED ? ', …' : '');
      return fail(`unknown name ${JSON.stringify(expression)}; known: ${listed}`);
    }
    return [{ kind: 'value', name: expression, slot, jsonEscape }];
  }
  const call = HELPER_CALL.exec(expression);
  if (!call) {
    return fail(`expected a name (such as token or accounts.user) or a helper call (such as randomInt(1, 20)) in {{ }}, got ${JSON.stringify(expression)}`);
  }
  const helper = call[1]!;
  if (!isHelperName(helper)) return fail(`unknown helper ${JSON.stringify(helper)}; known: ${HELPER_NAMES.join(', ')}`);
  let args: unknown;
  try {
    args = JSON.parse(`[${call[2]}]`);
  } catch {
    return fail(`${helper}(…): arguments must be numbers or "double-quoted strings", got (${call[2]})`);
  }
  if (!Array.isArray(args) || !args.every((arg): arg is HelperArgument => typeof arg === 'number' || typeof arg === 'string')) {
    return fail(`${helper}(…): arguments must be numbers or "double-quoted strings", got (${call[2]})`);
  }
  const problem = helperArgumentProblem(helper, args);
  if (problem) return fail(problem);
  return [{ kind: 'helper', helper, args }];
}
