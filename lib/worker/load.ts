/**
 * lib/worker/load.ts — how busy this worker's event loop has been, for the master's scheduler.
 *
 * performance.eventLoopUtilization() (Node's perf_hooks, from libuv's idle time: uv_metrics_idle_time,
 * the time the loop spent blocked in epoll_wait) says what share of a span the loop spent running
 * JavaScript and callbacks rather than waiting. A worker burning a `/work` request, or one that the
 * kernel does not schedule, shows it here. The span is a window of about COUNT_INTERVAL_MS: each
 * `tick()` closes one; a reading taken early in a window, too short to mean anything, gives the last
 * closed window's share instead.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** A window shorter than this is noise (one callback can fill it): the previous window speaks instead. */
const MIN_WINDOW_MS = 20;

export class LoadMeter {
  private windowStart: EventLoopUtilization = performance.eventLoopUtilization();
  private lastWindow = 0;

  /** Closes the current window (every COUNT_INTERVAL_MS, from the worker's report timer). */
  tick(): void {
    this.lastWindow = performance.eventLoopUtilization(this.windowStart).utilization;
    this.windowStart = performance.eventLoopUtilization();
  }

  /** The loop's busy share, 0..1, over the current window, or the last one while this one is young. */
  utilization(): number {
    const current = performance.eventLoopUtilization(this.windowStart);
    const share = current.idle + current.active >= MIN_WINDOW_MS ? current.utilization : this.lastWindow;
    return Math.min(1, Math.max(0, Math.round(share * 1000) / 1000));
  }
}
