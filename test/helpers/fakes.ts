/**
 * Stand-ins for the processes and handles a model talks to, so its state machine runs in the test
 * process: a worker that records the orders it is sent and answers when the test says so (or fails to
 * be written to), its handle pipe, and client handles that record being closed (lib/binding/tcp.ts
 * closeHandle calls the handle's own close()).
 */
import type { ClientHandle, ServerHandle } from '../../lib/binding/internals';
import type { OrderBody, Report } from '../../lib/channel/messages';
import type { ModelSettings, PipeLink, WorkerLink } from '../../lib/models/model';

export interface FakeHandle { readonly name: string; closed: boolean; close(): void }

/** A client handle named for the test's messages; `closed` turns true when the model closes its copy. */
export function clientHandle(name: string): ClientHandle & FakeHandle {
  const handle: FakeHandle = { name, closed: false, close() { handle.closed = true; } };
  return handle as unknown as ClientHandle & FakeHandle;
}

/** A fake handle's name; a real handle is 'a real handle'; no handle is null. */
export const nameOf = (handle: ServerHandle | ClientHandle | null) =>
  (handle === null ? null : (handle as unknown as Partial<FakeHandle>).name ?? 'a real handle');

/** A worker's handle pipe: records what it is sent; the test says when the worker acknowledges. */
export class FakePipe implements PipeLink {
  readonly sent: string[] = [];
  private readonly awaiting: Array<() => void> = [];

  send(handle: ClientHandle, taken: () => void): void {
    this.sent.push(nameOf(handle)!);
    this.awaiting.push(taken);
  }

  /** The worker acknowledges its `count` oldest handles not yet acknowledged. */
  take(count = 1): void {
    for (const taken of this.awaiting.splice(0, count)) taken();
  }
}

export class FakeWorker implements WorkerLink {
  takesConnections = true;
  readonly sent: Array<{ type: OrderBody['type']; handle: string | null }> = [];
  readonly pipe = new FakePipe();
  /** Sends fail, as a send to a worker that has just died does. */
  failing = false;
  /** Failures are held until the test calls `fail()` (a callback that comes after the worker is gone). */
  deferred = false;
  private readonly failures: Array<() => void> = [];
  private readonly unanswered: Array<{ handle: string; answer(): void }> = [];
  private seq = 0;

  readonly pid: number;
  /** Connections the model saw this worker take. */
  took = 0;
  /** What the master knows of it, set by the test (least-loaded reads them). */
  open = 0;
  load = { inProgress: 0, utilization: 0 };

  constructor(readonly slot: number, options: { pid?: number } = {}) {
    this.pid = options.pid ?? 1000 + slot;
  }

  send(order: OrderBody, handle: ServerHandle | ClientHandle | null, answered?: (report: Report) => void,
    failed?: (error: Error) => void): void {
    this.sent.push({ type: order.type, handle: nameOf(handle) });
    const seq = ++this.seq;
    if (this.failing) {
      const fail = () => failed?.(new Error('channel closed'));
      if (this.deferred) this.failures.push(fail);
      else fail();
      return;
    }
    if (answered && handle) this.unanswered.push({ handle: nameOf(handle)!, answer: () => answered({ type: 'taken', seq: 1, ack: seq }) });
  }

  /** The worker answers `taken` for a handle it was sent: the one named, or its oldest unanswered one. */
  take(name?: string): void {
    const at = name === undefined ? 0 : this.unanswered.findIndex((each) => each.handle === name);
    if (at === -1 || at >= this.unanswered.length) return;
    this.unanswered.splice(at, 1)[0]!.answer();
  }

  tookConnection(): void {
    this.took++;
  }

  /** Runs the failures held back while `deferred`. */
  fail(): void {
    for (const fail of this.failures.splice(0)) fail();
  }

  /** Names of the connection handles it was sent as `take` orders, in order. */
  get connections(): string[] {
    return this.sent.filter((each) => each.handle !== null && each.type === 'take').map((each) => each.handle!);
  }
}

export function settings(warnings: string[] = []): ModelSettings {
  return { host: '127.0.0.1', port: 0, backlog: 511, workers: 4, warn: (message) => warnings.push(message) };
}
