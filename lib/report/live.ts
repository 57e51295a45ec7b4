/**
 * lib/report/live.ts — `node master.js --live`: watch the split build up while a load runs elsewhere.
 *
 * Twice a second the master redraws one bar per worker slot: the connections it has taken so far and
 * its rate over the last second, then the running max/min and Jain's index. The counts are the ones the
 * workers report every COUNT_INTERVAL_MS (lib/channel/messages.ts), so the picture lags the truth by that much.
 * Rendering is a pure function of the snapshots, so it is tested without a terminal.
 */
import { RateMeter } from './rates';
import { bar, BAR_WIDTH } from './report';
import { describeDistribution } from './stats';

/** Twice a second: the workers report every 100 ms (COUNT_INTERVAL_MS), so a frame lags the truth by that much. */
export const FRAME_INTERVAL_MS = 500;
/** Home the cursor, clear to the end of the screen: each frame replaces the last one in place. */
export const CLEAR_SCREEN = '\x1b[H\x1b[J';

export interface LiveSlot {
  slot: number;
  /** The worker that holds the slot now. */
  pid: number;
  connections: number;
}

export class LiveView {
  private readonly meter = new RateMeter();

  constructor(private readonly title: string) {}

  /** One frame at time `now` (ms), from each slot's connections so far. */
  frame(now: number, slots: readonly LiveSlot[], recentLog: readonly string[] = []): string {
    const connections = slots.map((slot) => slot.connections);
    const rates = this.meter.rates(now, connections);
    const widest = Math.max(...connections);
    const { total, maxMinRatio, jain } = describeDistribution(connections);
    const totalRate = rates.reduce((sum, rate) => sum + rate, 0);
    const lines = [this.title, ''];
    slots.forEach((slot, at) => {
      lines.push(`slot ${slot.slot}  pid ${String(slot.pid).padEnd(7)} ${bar(slot.connections, widest).padEnd(BAR_WIDTH)} ` +
        `${String(slot.connections).padStart(8)}  ${Math.round(rates[at]!).toString().padStart(6)}/s`);
    });
    lines.push('', `total ${total}  ${Math.round(totalRate)}/s  ` +
      `max/min ${Number.isFinite(maxMinRatio) ? maxMinRatio.toFixed(2) : 'infinite'}  Jain's index ${jain.toFixed(3)}`);
    if (recentLog.length > 0) lines.push('', ...recentLog);
    return lines.join('\n') + '\n';
  }
}
