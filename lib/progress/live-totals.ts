import type { SliceRunningTotals } from '../engine/running-totals.js';
import { addEncoded, createMergeHistogram, summarize, type Histogram } from '../histogram/latency-histogram.js';
import type { LiveErrorRow, LiveRequestRow } from './live-tables.js';

interface NameTotals {
  requests: number;
  errors: number;
  latency: Histogram;
}

/** Totals by request name and error type, merged exactly (histograms added, counts summed). */
class TotalsMerge {
  readonly byName = new Map<string, NameTotals>();
  readonly errorsByType = new Map<string, number>();
  /** Count per distinct message, per error type. */
  readonly messages = new Map<string, Map<string, number>>();

  private name(name: string): NameTotals {
    let totals = this.byName.get(name);
    if (!totals) this.byName.set(name, (totals = { requests: 0, errors: 0, latency: createMergeHistogram() }));
    return totals;
  }

  private countMessage(type: string, message: string, count: number): void {
    let byMessage = this.messages.get(type);
    if (!byMessage) this.messages.set(type, (byMessage = new Map()));
    byMessage.set(message, (byMessage.get(message) ?? 0) + count);
  }

  add(totals: SliceRunningTotals): void {
    for (const [name, stats] of Object.entries(totals.byName)) {
      const into = this.name(name);
      into.requests += stats.requests;
      into.errors += stats.errors;
      addEncoded(into.latency, stats.latency);
    }
    for (const [type, count] of Object.entries(totals.errorsByType)) this.errorsByType.set(type, (this.errorsByType.get(type) ?? 0) + count);
    for (const sample of totals.errorSamples) this.countMessage(sample.type, sample.message, sample.count);
  }

  absorb(other: TotalsMerge): void {
    for (const [name, stats] of other.byName) {
      const into = this.name(name);
      into.requests += stats.requests;
      into.errors += stats.errors;
      into.latency.add(stats.latency);
    }
    for (const [type, count] of other.errorsByType) this.errorsByType.set(type, (this.errorsByType.get(type) ?? 0) + count);
    for (const [type, byMessage] of other.messages) for (const [message, count] of byMessage) this.countMessage(type, message, count);
  }
}

/**
 * The live per-name and error tables: each slice's latest running totals, merged on demand. A slice
 * that has ended is folded in once and dropped, so a long run costs no more per read than a short one.
 */
export class LiveTotals {
  private readonly running = new Map<string, SliceRunningTotals>();
  private readonly ended = new TotalsMerge();

  set(sliceKey: string, totals: SliceRunningTotals): void {
    if (totals.ended) {
      this.running.delete(sliceKey);
      this.ended.add(totals);
    } else {
      this.running.set(sliceKey, totals);
    }
  }

  private merged(): TotalsMerge {
    const merged = new TotalsMerge();
    merged.absorb(this.ended);
    for (const totals of this.running.values()) merged.add(totals);
    return merged;
  }

  /** Per request name; `seconds` since the start makes the average req/s. */
  requestRows(seconds: number): LiveRequestRow[] {
    return [...this.merged().byName].map(([name, totals]) => ({
      name,
      requests: totals.requests,
      errors: totals.errors,
      rps: Math.round((totals.requests / Math.max(1, seconds)) * 10) / 10,
      latency: summarize(totals.latency),
    }));
  }

  /** Errors by type, the most frequent first, each with its distinct messages. */
  errorRows(): LiveErrorRow[] {
    const merged = this.merged();
    return [...merged.errorsByType]
      .map(([type, count]) => ({
        type,
        count,
        messages: [...(merged.messages.get(type) ?? [])].map(([message, times]) => ({ message, count: times })).sort((a, b) => b.count - a.count),
      }))
      .sort((a, b) => b.count - a.count);
  }
}
