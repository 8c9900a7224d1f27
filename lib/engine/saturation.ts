import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { Saturation } from './slice-result.js';

/** Above these the worker, not the target, is likely what limits the numbers (Locust's CPU warning, automated). */
export const SATURATED_ELU = 0.9;
export const SATURATED_LAG_P99_MS = 50;

/** Watches the worker's own event loop and CPU while a slice runs. */
export class SaturationMonitor {
  private readonly delay = monitorEventLoopDelay({ resolution: 10 });
  private readonly startedElu: EventLoopUtilization;
  private readonly startedCpu = process.cpuUsage();
  private readonly startedAt = performance.now();

  constructor() {
    this.delay.enable();
    this.startedElu = performance.eventLoopUtilization();
  }

  stop(): Saturation {
    this.delay.disable();
    const elu = performance.eventLoopUtilization(this.startedElu).utilization;
    const cpu = process.cpuUsage(this.startedCpu);
    const elapsedMs = Math.max(1, performance.now() - this.startedAt);
    // The monitor's own resolution (10 ms) is part of every sample; subtract it to read the lag.
    const lagMs = (nanos: number) => Math.max(0, Math.round((nanos / 1e6 - 10) * 100) / 100);
    const eventLoopLagP99Ms = this.delay.count > 0 ? lagMs(this.delay.percentile(99)) : 0;
    const eventLoopLagMaxMs = this.delay.count > 0 ? lagMs(this.delay.max) : 0;
    const eventLoopUtilization = Math.min(1, Math.round(elu * 1000) / 1000);
    return {
      eventLoopLagP99Ms,
      eventLoopLagMaxMs,
      eventLoopUtilization,
      cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 1000) / 10,
      saturated: eventLoopUtilization >= SATURATED_ELU || eventLoopLagP99Ms >= SATURATED_LAG_P99_MS,
    };
  }
}
