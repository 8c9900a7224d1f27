import type { Histogram } from 'hdr-histogram-js';
import { jsInternalsOf, V2_COOKIE_BASE, V2_HEADER_BYTES as HEADER_BYTES } from './js-histogram-internals.js';

/**
 * Adds a histogram's uncompressed V2 encoding straight into another, bucket by bucket, without
 * building the decoded histogram first. The result is the one hdr-histogram-js gives for
 * `into.add(JsHistogram.decode(inner))` (same counts, total, min and max), at about half the cost:
 * no histogram allocated per encoded one. That is what merging 1000 workers' slices costs the
 * aggregator (docs/benchmarks.md).
 *
 * The V2 layout (HdrHistogram's documented format): a big-endian header (cookie, payload length,
 * normalizing index offset, significant digits, lowest discernible value, highest trackable value,
 * int-to-double ratio), then the counts array as ZigZag LEB128 varints, where a negative number is
 * a run of that many empty buckets. Returns false (and adds nothing) when the encoding's bucket
 * layout is not `into`'s: the caller then takes the library's general path.
 */
export function addV2Into(into: Histogram, inner: Buffer): boolean {
  const target = jsInternalsOf(into);
  if (!target) return false;
  if (inner.length < HEADER_BYTES || (inner.readInt32BE(0) & ~0xf0) !== V2_COOKIE_BASE) return false;
  const payloadLength = inner.readInt32BE(4);
  // inner.readInt32BE(8) is the normalizing index offset: hdr-histogram-js writes 1 and ignores it on decode, as here.
  const significantDigits = inner.readInt32BE(12);
  const lowestDiscernible = Number(inner.readBigInt64BE(16));
  // The same digits and lowest value mean the same index for the same value: counts add index by index.
  if (significantDigits !== target.numberOfSignificantValueDigits || lowestDiscernible !== target.lowestDiscernibleValue) {
    return false;
  }
  const end = HEADER_BYTES + payloadLength;
  if (end > inner.length) throw new Error('truncated histogram encoding');

  // One pass decodes the non-zero buckets into scratch arrays and finds the extent, so that `into`
  // is resized once before any count is added.
  const nonZero = decodeNonZeroBuckets(inner, end);
  if (nonZero === 0) return true; // empty: nothing to add
  const { indexes, counts } = scratch;
  let total = 0;
  for (let bucket = 0; bucket < nonZero; bucket++) total += counts[bucket]!;
  const maxIndex = indexes[nonZero - 1]!;
  // A count at index 0 is a recorded zero: no minimum non-zero value.
  const minIndex = indexes[0] !== 0 ? indexes[0]! : nonZero > 1 ? indexes[1]! : -1;

  const decodedMax = target.highestEquivalentValue(target.valueFromIndex(maxIndex));
  if (target.highestEquivalentValue(target.valueFromIndex(target.countsArrayLength - 1)) < decodedMax) {
    if (!target.autoResize) throw new Error("the encoded histogram has values beyond this histogram's range");
    target.resize(decodedMax);
  }
  for (let bucket = 0; bucket < nonZero; bucket++) target.addToCountAtIndex(indexes[bucket]!, counts[bucket]!);
  target.setTotalCount(target.totalCount + total);
  if (decodedMax > target.maxValue) target.updatedMaxValue(decodedMax);
  if (minIndex >= 0) {
    const decodedMin = target.valueFromIndex(minIndex);
    if (decodedMin < target.minNonZeroValue) target.updateMinNonZeroValue(decodedMin);
  }
  return true;
}

/** Reused between calls (merges run one at a time per thread): no allocation per encoded histogram. */
const scratch = { indexes: new Int32Array(4096), counts: new Float64Array(4096) };

/**
 * The V2 counts (ZigZag LEB128; a negative value skips that many empty buckets) from the header's
 * end to `end`, as (index, count) pairs of the non-zero buckets in `scratch`, in index order;
 * returns how many.
 */
function decodeNonZeroBuckets(payload: Buffer, end: number): number {
  let length = 0;
  let index = 0;
  for (let position = HEADER_BYTES; position < end; ) {
    let byte = payload[position++]!;
    let raw = byte & 0x7f;
    for (let scale = 128; byte & 0x80 && position < end; scale *= 128) {
      byte = payload[position++]!;
      raw += (byte & 0x7f) * scale;
    }
    const value = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    if (value < 0) {
      index -= value;
      continue;
    }
    if (value > 0) {
      if (length === scratch.indexes.length) growScratch();
      scratch.indexes[length] = index;
      scratch.counts[length] = value;
      length++;
    }
    index++;
  }
  return length;
}

function growScratch(): void {
  const indexes = new Int32Array(scratch.indexes.length * 2);
  const counts = new Float64Array(scratch.counts.length * 2);
  indexes.set(scratch.indexes);
  counts.set(scratch.counts);
  scratch.indexes = indexes;
  scratch.counts = counts;
}
