/**
 * lib/channel/control.ts — the control channel: child_process's IPC channel, both ends.
 *
 * `child_process.fork()` opens a Unix socketpair as fd 3 of the child (NODE_CHANNEL_FD) and speaks
 * newline-delimited JSON over it; a handle rides along as SCM_RIGHTS ancillary data on the same write.
 * Orders go one way and reports the other (messages.ts). Each end numbers what it sends; a report that
 * answers an order names it (`ack`), and the sender of that order can ask to hear the answer, as Node's
 * cluster keeps a callback per `seq` (lib/internal/cluster/utils.js, sendHelper).
 *
 * child_process keeps messages in order, even when a handle waits for the receiver's NODE_HANDLE_ACK
 * (later messages queue behind it, `_handleQueue` in lib/internal/child_process.js): whatever one end
 * sent before another message arrives before it. The drain handshake relies on that.
 */
import type { ChildProcess } from 'node:child_process';
import { sendOverChannel, type ChannelEnd, type SendCallback } from '../binding/channel';
import type { ClientHandle, ServerHandle } from '../binding/internals';
import { parseOrder, parseReport, type Order, type OrderBody, type Report, type ReportBody } from './messages';

type Handle = ServerHandle | ClientHandle;
const ignore = () => {};

/** The master's end of one worker's channel: orders out, reports in. */
export class ControlToWorker {
  private seq = 0;
  /** Orders whose sender wants their answer, by seq. */
  private readonly awaiting = new Map<number, (report: Report) => void>();

  /** Every report goes to `onReport`, with the handle that came with it (or undefined). */
  constructor(private readonly child: ChildProcess, private readonly onReport: (report: Report, handle: unknown) => void) {
    child.on('message', (raw: unknown, handle: unknown) => {
      const report = parseReport(raw);
      if (report) this.deliver(report, handle);
    });
  }

  /** A report, from this channel or the worker's handle pipe: to the supervisor, and to whoever awaits it. */
  deliver(report: Report, handle: unknown): void {
    this.onReport(report, handle);
    if (!('ack' in report) || report.ack === undefined) return;
    const answered = this.awaiting.get(report.ack);
    this.awaiting.delete(report.ack);
    answered?.(report);
  }

  get connected(): boolean {
    return this.child.connected;
  }

  /**
   * Sends an order, with a handle or none. `answered` gets the report that names it; `failed` hears
   * that it could not be written (the channel is closed: the worker is going away).
   */
  send(order: OrderBody, handle: Handle | null, answered?: (report: Report) => void, failed?: (error: Error) => void): number {
    const seq = ++this.seq;
    if (answered) this.awaiting.set(seq, answered);
    sendOverChannel(this.child, { ...order, seq }, handle, (error) => {
      if (!error) return;
      this.awaiting.delete(seq);
      failed?.(error);
    });
    return seq;
  }

  /** Closes the master's end: the worker reads EOF, and Node emits 'disconnect' there. */
  disconnect(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

/** A report that answers an order, before the channel numbers it and names the order. */
type Answer = ReportBody extends infer R ? R extends { ack?: number } ? Omit<R, 'ack'> : never : never;

/** What a worker's end is made of: the `process` object of a forked child (a test passes a fake). */
export interface MasterEnd extends ChannelEnd {
  readonly connected: boolean;
  on(event: 'message', listener: (raw: unknown, handle: unknown) => void): unknown;
}

/** A worker's end of the channel: orders in, reports out. */
export class ControlToMaster {
  private seq = 0;

  /** Every order goes to `onOrder`, with the handle that came with it (or undefined). */
  constructor(onOrder: (order: Order, handle: unknown) => void, private readonly end: MasterEnd = process as unknown as MasterEnd) {
    end.on('message', (raw: unknown, handle: unknown) => {
      const order = parseOrder(raw);
      if (order) onOrder(order, handle);
    });
  }

  /**
   * Sends a report. The channel may close under us (the master died): then nothing is sent, and
   * 'disconnect' ends this process shortly.
   */
  tell(report: ReportBody, handle: ClientHandle | null = null, sent: SendCallback = ignore): void {
    if (this.end.connected) sendOverChannel(this.end, { ...report, seq: this.nextSeq() }, handle, sent);
    else sent(new Error('channel closed'));
  }

  /** The next number for a report, on this channel or the handle pipe: one count for both. */
  nextSeq(): number {
    return ++this.seq;
  }

  /** Answers an order: the report names it. */
  answer(order: Order, report: Answer): void {
    this.tell({ ...report, ack: order.seq } as ReportBody);
  }
}
