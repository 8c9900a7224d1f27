import type { NamedRequest } from '../config/run-settings.js';
import { createHistogram, type Histogram } from '../histogram/latency-histogram.js';
import { encodeRequest } from './request-wire.js';

/**
 * The scenario's requests, prepared once per slice: the bytes to send built ahead, per-name counters
 * held on the request itself so that recording a response needs no lookup.
 */
/** Counters of one request name (requests sharing a name share them). */
export class RequestNameStats {
  readonly latency: Histogram = createHistogram();
  requests = 0;
  errors = 0;
  /** Errors that are not the target's (cut, the generator's own limits). */
  generatorErrors = 0;
  readonly statusCounts = new Map<number, number>();
}

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
  statsByName = new Map<string, RequestNameStats>();
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(specs: NamedRequest[], host: string) {
    this.requests = specs.map((spec) => {
      let stats = this.statsByName.get(spec.name);
      if (!stats) this.statsByName.set(spec.name, (stats = new RequestNameStats()));
      return new PreparedRequest(spec, host, stats);
    });
    this.cumulative = new Float64Array(specs.length);
    let sum = 0;
    specs.forEach((spec, index) => {
      sum += spec.weight;
      this.cumulative[index] = sum;
    });
    this.total = sum;
  }

  /**
   * Fresh counters for a new step: the requests record into them from now on. Returns the counters
   * of the step that ended.
   */
  startPart(): Map<string, RequestNameStats> {
    const ended = this.statsByName;
    this.statsByName = new Map([...ended.keys()].map((name) => [name, new RequestNameStats()]));
    for (const request of this.requests) request.stats = this.statsByName.get(request.name)!;
    return ended;
  }

  pick(): PreparedRequest {
    const requests = this.requests;
    if (requests.length === 1) return requests[0]!;
    const point = Math.random() * this.total;
    for (let index = 0; index < requests.length - 1; index++) if (point < this.cumulative[index]!) return requests[index]!;
    return requests[requests.length - 1]!;
  }
}
