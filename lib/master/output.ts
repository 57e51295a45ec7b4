/**
 * lib/master/output.ts — what the master says, for people or for programs.
 *
 * Every fact is an event first (lib/events.ts). With --json each one is a JSON line on stdout, for
 * programs (the benchmark, the chaos run, the tests read them). Without it, a person reads: the two
 * listening lines and the report on stdout, the rest as `handoff: ...` lines on stderr, or, under
 * --live, inside the frame the live view redraws twice a second (lib/report/live.ts).
 */
import { describeEvent, formatEvent, isNews, type MasterEvent } from '../events';
import type { WorkerCounts } from '../events';
import { CLEAR_SCREEN, FRAME_INTERVAL_MS, LiveView } from '../report/live';
import { formatReport, slotCounts } from '../report/report';

/** The log lines a live frame keeps under its bars. */
const LIVE_LOG_LINES = 3;

export class Output {
  /** While the live view owns the screen, log lines go into its frame instead of scrolling it away. */
  private liveLog: string[] | null = null;
  private liveTimer: NodeJS.Timeout | null = null;
  /**
   * --json lines not yet written: a burst of events (a restart moves thousands of connections, one
   * `moved` each) goes out as one write at the end of the event loop's turn, not one write(2) each
   * (stdout on a pipe is synchronous in Node on Linux). What is left when the process exits goes then.
   */
  private unwritten: string[] = [];

  constructor(private readonly json: boolean) {
    if (json) process.on('exit', () => this.flush());
  }

  /** One line on stderr, as people read it. */
  log(line: string): void {
    const text = `handoff: ${line}`;
    if (!this.liveLog) return void process.stderr.write(`${text}\n`);
    this.liveLog.push(text);
    this.liveLog.splice(0, this.liveLog.length - LIVE_LOG_LINES);
  }

  readonly emit = (event: MasterEvent): void => {
    if (this.json) return this.queue(`${formatEvent(event)}\n`);
    if (event.type === 'listening') {
      const workers = event.pids.length;
      console.log(`handoff: ${workers} workers listening on ${event.url} (model ${event.model}, transport ${event.transport}, ` +
        `backlog ${event.backlog}), ready ${event.readyMs} ms after start`);
      console.log(`handoff: worker pids ${event.pids.join(' ')} (x-slot 0..${workers - 1}); ` +
        `Ctrl-C prints the counts, kill -HUP ${event.masterPid} restarts them one by one`);
      if (event.dashboard) console.log(`handoff: dashboard at ${event.dashboard}`);
    } else if (event.type === 'report') {
      console.log(formatReport(event));
    } else if (isNews(event)) {
      this.log(describeEvent(event));
    }
  };

  private queue(line: string): void {
    if (this.unwritten.length === 0) setImmediate(() => this.flush());
    this.unwritten.push(line);
  }

  private flush(): void {
    if (this.unwritten.length > 0) process.stdout.write(this.unwritten.join(''));
    this.unwritten = [];
  }

  /** --live: a frame of each slot's connections, twice a second, until stopLive(). */
  startLive(title: string, counts: () => WorkerCounts[]): void {
    const view = new LiveView(title);
    this.liveLog = [];
    this.liveTimer = setInterval(() => {
      const slots = slotCounts(counts()).map((slot) => ({ slot: slot.slot, pid: slot.pids.at(-1)!, connections: slot.connections }));
      process.stdout.write(CLEAR_SCREEN + view.frame(Date.now(), slots, this.liveLog ?? []));
    }, FRAME_INTERVAL_MS);
  }

  stopLive(): void {
    if (this.liveTimer) clearInterval(this.liveTimer);
    this.liveTimer = null;
    this.liveLog = null;
  }
}
