/**
 * Stand-ins for the processes and handles a model talks to, so its state machine runs in the test
 * process: a worker that records what it is sent (and can refuse it), and client handles that record
 * being closed (lib/binding.ts closeHandle calls the handle's own close()).
 */
import type { ClientHandle, SendCallback, ServerHandle } from '../../lib/binding';
import type { MasterMessage } from '../../lib/ipc';
import type { ModelSettings, WorkerLink } from '../../lib/models/model';

export interface FakeHandle { readonly name: string; closed: boolean; close(): void }

/** A client handle named for the test's messages; `closed` turns true when the model closes its copy. */
export function clientHandle(name: string): ClientHandle & FakeHandle {
  const handle: FakeHandle = { name, closed: false, close() { handle.closed = true; } };
  return handle as unknown as ClientHandle & FakeHandle;
}

/** A fake handle's name; a real handle is 'a real handle'; no handle is null. */
export const nameOf = (handle: ServerHandle | ClientHandle | null) =>
  (handle === null ? null : (handle as unknown as Partial<FakeHandle>).name ?? 'a real handle');

export class FakeWorker implements WorkerLink {
  accepting = true;
  readonly sent: Array<{ type: MasterMessage['type']; handle: string | null }> = [];
  /** Send callbacks not called yet, in order, when `deferred` is set. */
  readonly pending: Array<() => void> = [];
  deferred = false;
  /** The next sends fail, as a send to a worker that has just died does. */
  failing = false;

  constructor(readonly slot: number, readonly pid = 1000 + slot) {}

  send(message: MasterMessage, handle: ServerHandle | ClientHandle | null, callback: SendCallback): void {
    this.sent.push({ type: message.type, handle: nameOf(handle) });
    const finish = () => callback(this.failing ? new Error('channel closed') : null);
    if (this.deferred) this.pending.push(finish);
    else finish();
  }

  /** Names of the connection handles it was sent, in order. */
  get connections(): string[] {
    return this.sent.filter((each) => each.handle !== null && each.type === 'connection').map((each) => each.handle!);
  }
}

export function settings(warnings: string[] = []): ModelSettings {
  return { host: '127.0.0.1', port: 0, backlog: 511, workers: 4, warn: (message) => warnings.push(message) };
}
