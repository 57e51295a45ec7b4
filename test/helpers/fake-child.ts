/**
 * A worker process as the supervisor sees it (a ChildProcess with a control channel), played by the
 * test: it records every order, answers the way a worker does unless told otherwise, and exits, crashes
 * or hangs on cue. The spawner hands these out in place of fork().
 */
import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import type { PipeEnd, Spawned } from '../../lib/supervisor/spawn';

export interface Script {
  /** Answer the first order with `started` (default), `failed`, or not at all. */
  start?: 'started' | 'failed' | 'never';
  /** Answer `drain` and `finish` as a worker does (default), or never say `drained`. */
  drain?: 'handshake' | 'hang';
}

let nextPid = 50_000;

/** The master's end of a fake worker's handle pipe: records what goes on it; nothing comes back. */
export class FakePipeEnd implements PipeEnd {
  readonly sent: number[] = [];
  /** Handles not yet acknowledged, as the test sets it. */
  inFlight = 0;
  ended = false;
  closed = false;
  send(): void {
    this.sent.push(this.sent.length + 1);
  }
  end(): void {
    this.ended = true;
  }
  closeWhenRead(): void {
    this.closed = true;
  }
}

export class FakeChild extends EventEmitter {
  readonly pid = nextPid++;
  readonly pipe = new FakePipeEnd();
  connected = true;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly orders: Array<Record<string, unknown>> = [];
  private seq = 0;

  constructor(readonly slot: number, readonly script: Script, private readonly timeline: string[]) {
    super();
  }

  send(message: Record<string, unknown>, handleOrCallback?: unknown, callback?: (error: Error | null) => void): boolean {
    const done = (typeof handleOrCallback === 'function' ? handleOrCallback : callback) as ((error: Error | null) => void) | undefined;
    if (!this.connected) {
      done?.(new Error('channel closed'));
      return false;
    }
    this.orders.push(message);
    this.timeline.push(`${message.type as string} → ${this.slot}/${this.pid}`);
    done?.(null);
    setImmediate(() => this.obey(message));
    return true;
  }

  private obey(order: Record<string, unknown>): void {
    const ack = order.seq as number;
    switch (order.type) {
      case 'listen': case 'await-connections': case 'listen-net':
        if (this.script.start === 'failed') return this.report({ type: 'failed', ack, syscall: 'listen', errno: -13, host: '127.0.0.1', port: 80 });
        if (this.script.start !== 'never') this.report({ type: 'started', ack });
        return;
      case 'drain':
      case 'retire':
        return this.report({ type: 'stopped', ack });
      case 'give':
        return this.report({ type: 'counted', ack, connections: 0, requests: 0, received: 0, given: 0, open: 0, inProgress: 0, utilization: 0 });
      case 'finish':
        if (this.script.drain !== 'hang') this.report({ type: 'drained', ack, connections: 3, requests: 5, received: 0, given: 0, open: 0 });
        return;
    }
  }

  /** A report from the worker, numbered as its channel numbers them. */
  report(message: Record<string, unknown>, handle?: unknown): void {
    this.timeline.push(`${this.slot}/${this.pid} says ${message.type as string}`);
    this.emit('message', { ...message, seq: ++this.seq }, handle);
  }

  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    // A worker whose channel closes and that has nothing left exits (worker.ts, 'disconnect').
    if (this.script.drain !== 'hang') this.exit(0, null);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.exit(null, signal);
    return true;
  }

  /** The process ends: 'exit' on the next turn, as libuv reports a child's death. */
  exit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitCode !== null || this.signalCode !== null) return;
    this.exitCode = code;
    this.signalCode = signal;
    this.connected = false;
    setImmediate(() => {
      this.timeline.push(`${this.slot}/${this.pid} exits`);
      this.emit('exit', code, signal);
    });
  }
}

/** Forks fake children; `script(slot, nth)` says how the nth worker forked into a slot behaves. */
export class FakeSpawner {
  readonly children: FakeChild[] = [];
  readonly timeline: string[] = [];
  closed = false;

  constructor(private readonly script: (slot: number, nth: number) => Script = () => ({})) {}

  spawn(argv: string[]): Promise<Spawned> {
    const slot = Number(argv[argv.indexOf('--slot') + 1]);
    const nth = this.children.filter((child) => child.slot === slot).length;
    const child = new FakeChild(slot, this.script(slot, nth), this.timeline);
    this.children.push(child);
    this.timeline.push(`fork ${slot}/${child.pid}`);
    return Promise.resolve({ child: child as unknown as ChildProcess, openPipe: () => child.pipe });
  }

  close(): void {
    this.closed = true;
  }

  /** The children forked into a slot, oldest first. */
  in(slot: number): FakeChild[] {
    return this.children.filter((child) => child.slot === slot);
  }
}
