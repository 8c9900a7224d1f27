import type { Dispatcher } from 'undici';
import type { NamedRequest } from '../config/run-settings.js';
import { createHistogram, type Histogram } from '../histogram/latency-histogram.js';

/**
 * The scenario's requests, prepared once per slice: dispatch options built ahead, per-name counters
 * held on the request itself so that recording a response needs no lookup.
 */
/** Counters of one request name (requests sharing a name share them). */
export class RequestNameStats {
  readonly latency: Histogram = createHistogram();
  requests = 0;
  errors = 0;
  readonly statusCounts = new Map<number, number>();
}

export class PreparedRequest {
  readonly options: Dispatcher.DispatchOptions;
  readonly expectedStatus: ReadonlySet<number> | undefined;

  constructor(
    spec: NamedRequest,
    host: string,
    readonly stats: RequestNameStats,
  ) {
    const headers: Record<string, string> = { host, ...spec.headers };
    let body: Buffer | undefined;
    if (spec.json !== undefined) {
      body = Buffer.from(JSON.stringify(spec.json));
      headers['content-type'] ??= 'application/json';
    } else if (spec.body !== undefined) {
      body = Buffer.from(spec.body);
    }
    if (body) headers['content-length'] = String(body.length);
    this.options = { path: spec.path, method: spec.method, headers, body };
    this.expectedStatus = spec.expect ? new Set(spec.expect.status) : undefined;
  }

  isExpected(status: number): boolean {
    return this.expectedStatus ? this.expectedStatus.has(status) : status >= 200 && status < 300;
  }
}

/** Picks requests by weight; with a single request it is a constant. */
export class RequestMix {
  readonly requests: PreparedRequest[];
  readonly statsByName = new Map<string, RequestNameStats>();
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

  pick(): PreparedRequest {
    const requests = this.requests;
    if (requests.length === 1) return requests[0]!;
    const point = Math.random() * this.total;
    for (let index = 0; index < requests.length - 1; index++) if (point < this.cumulative[index]!) return requests[index]!;
    return requests[requests.length - 1]!;
  }
}
