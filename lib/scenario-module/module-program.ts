import { parseDurationMs } from '../config/duration.js';
import { HTTP_METHODS, type HttpMethod } from '../config/http-method.js';
import { KEEP_BODY, KEEP_HEAD } from '../engine/response-parser.js';
import { weightedPicker } from '../engine/weighted-pick.js';
import { compileChecks } from '../flow/checks.js';
import type { DataSets } from '../flow/data-files.js';
import { DEFAULT_MAX_REDIRECTS } from '../flow/flow-schema.js';
import type { FlowProgram, FlowUser } from '../flow/flow-user.js';
import type { InspectedResponse } from '../flow/inspected-response.js';
import { userData } from '../flow/user-values.js';
import type { FlowRequest as ModuleRequest, FlowResponse as ModuleResponse, VirtualUser as ModuleUser } from '../index.js';
import type { ScenarioModuleDefinition } from './scenario-module-schema.js';

/**
 * A scenario module's functions as a user runs them. Each `user.request` goes through the same
 * engine and recorder as a flow step (µs histograms per name, errors by type, checks, cookies,
 * redirects, timeouts as deadlines); an exception the module's code throws is an error of type
 * `script`, and the user goes on with its next iteration.
 */
export function moduleProgram(definition: ScenarioModuleDefinition, dataSets: DataSets, runId: string): FlowProgram {
  const users = new WeakMap<FlowUser, ModuleUser>();
  const userOf = (user: FlowUser): ModuleUser => {
    let api = users.get(user);
    if (!api) users.set(user, (api = moduleUser(user, userData(dataSets, user.userNumber, runId))));
    return api;
  };
  const flows = definition.flows.map((flow) => ({
    name: flow.name,
    run: async (user: FlowUser) => {
      await flow.run(userOf(user));
      return true;
    },
  }));
  const onStart = definition.onStart;
  return {
    ...(onStart
      ? {
          onStart: async (user: FlowUser) => {
            await onStart(userOf(user));
            return true;
          },
        }
      : {}),
    pick: weightedPicker(flows, definition.flows.map((flow) => flow.weight)),
  };
}

/** What a module's code gets as `user`. Mistakes in a request throw (a `script` error), as JavaScript would. */
function moduleUser(user: FlowUser, data: ModuleUser['data']): ModuleUser {
  return {
    vars: {},
    data,
    userNumber: user.userNumber,
    async request(request: ModuleRequest): Promise<ModuleResponse> {
      const exchange = await user.exchange(flowRequestOf(request));
      return exchange.response ? new ModuleResponseOf(exchange.response, request.name ?? request.path) : NO_RESPONSE;
    },
    async think(duration) {
      if (typeof duration === 'object') {
        const min = milliseconds(duration.min, 'think.min');
        const max = milliseconds(duration.max, 'think.max');
        await user.sleep(min + Math.random() * Math.max(0, max - min));
      } else {
        await user.sleep(milliseconds(duration, 'think'));
      }
    },
  };
}

/**
 * What `user.request` resolves with: headers, body and JSON read from the response only when the
 * module's code asks (most flows read one JSON field, or nothing).
 */
class ModuleResponseOf implements ModuleResponse {
  constructor(
    private readonly response: InspectedResponse,
    private readonly name: string,
  ) {}

  get status(): number {
    return this.response.status;
  }

  get headers(): Record<string, string | string[]> {
    return this.response.response.headers;
  }

  get body(): string {
    return this.response.text();
  }

  get durationMs(): number {
    return this.response.durationMs;
  }

  json<T>(): T {
    const parsed = this.response.json();
    if (!parsed.ok) throw new SyntaxError(`${this.name}: the response body is not JSON`);
    return parsed.value as T;
  }
}

/** A request that got no response (a timeout, a refused connection: recorded as an error of its type). */
const NO_RESPONSE: ModuleResponse = {
  status: 0,
  headers: {},
  body: '',
  durationMs: 0,
  json: () => {
    throw new SyntaxError('no response: nothing to parse as JSON');
  },
};

function milliseconds(duration: string | number, field: string): number {
  const parsed = parseDurationMs(duration);
  if (parsed === undefined) throw new TypeError(`${field}: expected a duration such as 100ms, 1s, got ${JSON.stringify(duration)}`);
  return parsed;
}

function flowRequestOf(request: ModuleRequest): Parameters<FlowUser['exchange']>[0] {
  if (typeof request?.path !== 'string' || !request.path.startsWith('/')) {
    throw new TypeError(`user.request: path must start with /, got ${JSON.stringify(request?.path)}`);
  }
  const method = (request.method ?? 'GET').toUpperCase();
  if (!(HTTP_METHODS as readonly string[]).includes(method)) throw new TypeError(`user.request: unknown method ${JSON.stringify(request.method)}`);
  if (request.body !== undefined && request.json !== undefined) throw new TypeError('user.request: give body or json, not both');
  const headers = Object.entries(request.headers ?? {}).map(([name, value]) => [name, String(value)] as const);
  let body = request.body;
  if (request.json !== undefined) {
    body = JSON.stringify(request.json);
    if (!headers.some(([name]) => name.toLowerCase() === 'content-type')) headers.push(['content-type', 'application/json']);
  }
  const expect = request.expect;
  return {
    name: request.name ?? `${method} ${request.path}`,
    method: method as HttpMethod,
    path: request.path,
    headers,
    body,
    checks: compileChecks(
      expect && {
        ...(expect.status ? { status: expect.status } : {}),
        ...(expect.bodyContains !== undefined ? { bodyContains: expect.bodyContains } : {}),
        ...(expect.json ? { json: expect.json } : {}),
        ...(expect.maxDuration !== undefined ? { maxDuration: milliseconds(expect.maxDuration, 'expect.maxDuration') } : {}),
      },
    ),
    redirects: request.redirects ?? DEFAULT_MAX_REDIRECTS,
    // The module's code may read anything of the response.
    keep: KEEP_HEAD | KEEP_BODY,
  };
}
