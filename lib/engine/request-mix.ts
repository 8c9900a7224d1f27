import type { NamedRequest } from '../config/run-settings.js';
import type { RequestNameStats, RequestNames } from './request-names.js';
import { encodeRequest } from './request-wire.js';
import { weightedPicker } from './weighted-pick.js';

/**
 * The scenario's `requests:` (the weighted mix), prepared once per slice: the bytes to send built
 * ahead, the current step's per-name counters held on the request itself so that recording a
 * response needs no lookup.
 */

export class PreparedRequest {
  readonly name: string;
  /** The request exactly as it is written to the connection, every time. */
  readonly wire: Buffer;
  /** A HEAD response has no body whatever its headers say. */
  readonly isHead: boolean;
  readonly expectedStatus: ReadonlySet<number> | undefined;

  constructor(
    spec: NamedRequest,
    host: string,
    /** The current step's counters of this request's name (swapped at each step boundary). */
    public stats: RequestNameStats,
  ) {
    this.name = spec.name;
    const headers: Record<string, string> = { ...spec.headers };
    let body: Buffer | undefined;
    if (spec.json !== undefined) {
      body = Buffer.from(JSON.stringify(spec.json));
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    } else if (spec.body !== undefined) {
      body = Buffer.from(spec.body);
    }
    this.wire = encodeRequest({ method: spec.method, path: spec.path, headers, body }, host);
    this.isHead = spec.method === 'HEAD';
    this.expectedStatus = spec.expect ? new Set(spec.expect.status) : undefined;
  }

  isExpected(status: number): boolean {
    return this.expectedStatus ? this.expectedStatus.has(status) : status >= 200 && status < 300;
  }
}

/** Picks requests by weight; with a single request it is a constant. */
export class RequestMix {
  readonly requests: PreparedRequest[];
  readonly pick: () => PreparedRequest;

  constructor(
    specs: NamedRequest[],
    host: string,
    private readonly names: RequestNames,
  ) {
    this.requests = specs.map((spec) => new PreparedRequest(spec, host, names.stats(spec.name)));
    this.pick = weightedPicker(this.requests, specs.map((spec) => spec.weight));
  }

  /** After the names' counters were handed on at a step boundary: record into the new step's. */
  followNames(): void {
    for (const request of this.requests) request.stats = this.names.stats(request.name);
  }
}
