import { createHistogram, type Histogram } from '../histogram/latency-histogram.js';

/** Counters of one request name in one step (requests sharing a name share them). */
export class RequestNameStats {
  readonly latency: Histogram = createHistogram();
  requests = 0;
  errors = 0;
  /** Errors that are not the target's (cut, the generator's own limits). */
  generatorErrors = 0;
  readonly statusCounts = new Map<number, number>();
}

/**
 * The slice's counters by request name, for the step running now: the weighted mix's requests and
 * the flows' steps record into them; at a step boundary they are handed on and fresh ones begin.
 */
export class RequestNames {
  private current = new Map<string, RequestNameStats>();

  /** The current step's counters of `name`, created at its first request. */
  stats(name: string): RequestNameStats {
    let stats = this.current.get(name);
    if (!stats) this.current.set(name, (stats = new RequestNameStats()));
    return stats;
  }

  get byName(): ReadonlyMap<string, RequestNameStats> {
    return this.current;
  }

  /** Fresh counters for a new step (for every name seen so far); returns the ended step's. */
  startPart(): Map<string, RequestNameStats> {
    const ended = this.current;
    this.current = new Map([...ended.keys()].map((name) => [name, new RequestNameStats()]));
    return ended;
  }
}

