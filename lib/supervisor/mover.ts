/**
 * lib/supervisor/mover.ts — live connections on their way from one worker to another, through the master.
 *
 * A worker gives a connection back (`given`, with the client handle, on its handle pipe) at a request
 * boundary; the master now holds a copy of the fd, and hands it on, on the receiver's pipe, with what
 * the connection was in the middle of. It keeps its copy until the receiver has acknowledged it, as the
 * models where the master accepts do (lib/models/master-accepts.ts): a receiver that dies first leaves
 * the connection to another worker. What SCM_RIGHTS passes is a reference to the socket itself (the open file, and the kernel's
 * socket with both its queues), so nothing the client sent is lost on the way: it waits in the socket's
 * receive queue for the next process that reads.
 *
 * State at a glance: `inFlight`, per receiver, the connections handed to it and not yet taken.
 */
import type { ClientHandle } from '../binding/internals';
import { closeHandle } from '../binding/tcp';
import type { Moved } from '../channel/messages';
import type { MasterEvent } from '../events';
import type { WorkerProcess } from './worker-process';

interface Moving {
  clientHandle: ClientHandle;
  moved: Moved;
  from: WorkerProcess;
}

/** What the mover needs of the supervisor: who can take a connection now. */
export interface Receivers {
  /** Every worker that takes connections now. */
  candidates(): WorkerProcess[];
}

export class Mover {
  private readonly inFlight = new Map<WorkerProcess, Moving[]>();

  constructor(private readonly receivers: Receivers, private readonly emit: (event: MasterEvent) => void) {}

  /** How many connections are on their way now. */
  get moving(): number {
    let count = 0;
    for (const list of this.inFlight.values()) count += list.length;
    return count;
  }

  /**
   * A worker gave a connection back: hand it to `to` if that worker takes connections, else to the one
   * that holds the fewest (never back to its giver); if no worker can take it, it is closed.
   */
  route(from: WorkerProcess, clientHandle: ClientHandle, moved: Moved, to: WorkerProcess | null): void {
    const others = this.receivers.candidates().filter((worker) => worker !== from);
    const receiver = to && to !== from && others.includes(to) ? to
      : others.sort((a, b) => a.counts.open + this.pendingTo(a) - (b.counts.open + this.pendingTo(b)))[0];
    if (!receiver) {
      closeHandle(clientHandle);
      this.emit({ type: 'move-failed', from: from.slot, fromPid: from.pid, reason: 'no worker takes connections' });
      return;
    }
    this.hand(receiver, { clientHandle, moved, from });
  }

  private pendingTo(worker: WorkerProcess): number {
    return this.inFlight.get(worker)?.length ?? 0;
  }

  private hand(receiver: WorkerProcess, moving: Moving): void {
    const list = this.inFlight.get(receiver) ?? [];
    this.inFlight.set(receiver, list);
    list.push(moving);
    const bytes = Buffer.byteLength(moving.moved.bytes, 'base64');
    // On the receiver's handle pipe, many at once: a write that fails belongs to a receiver that died,
    // and removed() hands what it had not taken to another.
    receiver.pipe.send(moving.clientHandle, () => {
      if (!this.forget(receiver, moving)) return;
      closeHandle(moving.clientHandle);
      // It holds one more now. Its next report says so too: its reports come after its acknowledgement,
      // and overwrite this with the truth.
      receiver.counts.open++;
      this.emit({ type: 'moved', from: moving.from.slot, to: receiver.slot, fromPid: moving.from.pid, toPid: receiver.pid, bytes });
    }, moving.moved);
  }

  private forget(receiver: WorkerProcess, moving: Moving): boolean {
    const list = this.inFlight.get(receiver);
    const at = list ? list.indexOf(moving) : -1;
    if (at === -1) return false;
    list!.splice(at, 1);
    return true;
  }

  /** A worker exited: what it had not taken goes to another. */
  removed(worker: WorkerProcess): void {
    const stranded = this.inFlight.get(worker) ?? [];
    this.inFlight.delete(worker);
    for (const moving of stranded) this.route(moving.from, moving.clientHandle, moving.moved, null);
  }

  /** The master stops: what is still on its way is closed. */
  close(): void {
    for (const list of this.inFlight.values()) for (const moving of list.splice(0)) closeHandle(moving.clientHandle);
  }
}
