import type { Histogram } from 'hdr-histogram-js';
import { jsInternalsOf } from './js-histogram-internals.js';

/**
 * Gives a recording histogram a quicker bucket index for whole numbers below 2^31 (every latency in
 * microseconds below 35 minutes): the same index hdr-histogram-js computes with log2 and two
 * powers of two (test/histogram/histogram-encoding.test.ts compares them), from a count of leading
 * zeros and shifts instead. Recording is then about ten times quicker; a worker records four values
 * per response, so that is a few percent of its CPU per request. Other values take the library's own
 * computation. The bucket layout (unit and sub-bucket magnitudes) is fixed when a histogram is built;
 * resizing only adds buckets.
 */
export function indexWholeNumbersQuickly(histogram: Histogram): Histogram {
  const internals = jsInternalsOf(histogram);
  if (!internals) return histogram;
  const general = internals.countsArrayIndex;
  const { unitMagnitude, subBucketHalfCountMagnitude: halfMagnitude, subBucketHalfCount: halfCount } = internals;
  Object.defineProperty(histogram, 'countsArrayIndex', {
    value(this: typeof internals, value: number): number {
      if ((value | 0) !== value || value < 0) return general.call(this, value);
      const magnitude = 31 - Math.clz32(value) - halfMagnitude - unitMagnitude;
      const bucket = magnitude > 0 ? magnitude : 0;
      return ((bucket + 1) << halfMagnitude) + (value >>> (bucket + unitMagnitude)) - halfCount;
    },
  });
  return histogram;
}
