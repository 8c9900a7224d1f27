import type { Histogram } from 'hdr-histogram-js';

/**
 * The parts of hdr-histogram-js's JsHistogram that fanout's V2 reader and writer and its recording
 * index use: present on every JS histogram (the class's own fields and methods), not in its typings.
 */
export interface JsHistogramInternals {
  readonly numberOfSignificantValueDigits: number;
  readonly lowestDiscernibleValue: number;
  readonly highestTrackableValue: number;
  readonly countsArrayLength: number;
  readonly autoResize: boolean;
  readonly unitMagnitude: number;
  readonly subBucketHalfCountMagnitude: number;
  readonly subBucketHalfCount: number;
  maxValue: number;
  minNonZeroValue: number;
  readonly totalCount: number;
  countsArrayIndex(value: number): number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
  addToCountAtIndex(index: number, count: number): void;
  setTotalCount(total: number): void;
  updatedMaxValue(value: number): void;
  updateMinNonZeroValue(value: number): void;
  resize(highestTrackableValue: number): void;
}

export function jsInternalsOf(histogram: Histogram): JsHistogramInternals | undefined {
  const candidate = histogram as unknown as Partial<JsHistogramInternals>;
  const isJs =
    typeof candidate.addToCountAtIndex === 'function' &&
    typeof candidate.valueFromIndex === 'function' &&
    typeof candidate.getCountAtIndex === 'function' &&
    typeof candidate.resize === 'function';
  return isJs ? (histogram as unknown as JsHistogramInternals) : undefined;
}

/** HdrHistogram's V2 encoding: its cookie (the low byte carries the word size) and its header's length. */
export const V2_COOKIE_BASE = 0x1c849303;
export const V2_HEADER_BYTES = 40;
