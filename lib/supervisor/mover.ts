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
import { InFlight } from '../models/in-flight';
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
  private readonly inFlight = new InFlight<WorkerProcess, Moving>();

  constructor(private readonly receivers: Receivers, private readonly emit: (event: MasterEvent) => void) {}

  /** How many connections are on their way now. */
  get moving(): number {
    return this.inFlight.size;
  }

  /**
   * A worker gave a connection back: hand it to `to` if that worker takes connections, else to the one
   * that holds the fewest (never back to its giver); if no worker can take it, it is closed.
   */
  route(from: WorkerProcess, clientHandle: ClientHandle, moved: Moved, to: WorkerProcess | null): void {
    const others = this.receivers.candidates().filter((worker) => worker !== from);
    const receiver = to && to !== from && others.includes(to) ? to
      : others.sort((a, b) => a.open + this.inFlight.countFor(a) - (b.open + this.inFlight.countFor(b)))[0];
    if (!receiver) {
      closeHandle(clientHandle);
      this.emit({ type: 'move-failed', from: from.slot, fromPid: from.pid, reason: 'no worker takes connections' });
      return;
    }
    this.hand(receiver, { clientHandle, moved, from });
  }

  private hand(receiver: WorkerProcess, moving: Moving): void {
    this.inFlight.add(receiver, moving);
    const bytes = Buffer.byteLength(moving.moved.bytes, 'base64');
    // On the receiver's handle pipe, many at once: a write that fails belongs to a receiver that died,
    // and removed() hands what it had not taken to another.
    receiver.pipe.send(moving.clientHandle, () => {
      if (!this.inFlight.remove(receiver, moving)) return;
      closeHandle(moving.clientHandle);
      receiver.tookConnection(true);
      this.emit({ type: 'moved', from: moving.from.slot, to: receiver.slot, fromPid: moving.from.pid, toPid: receiver.pid, bytes });
    }, moving.moved);
  }

  /** A worker exited: what it had not taken goes to another. */
  removed(worker: WorkerProcess): void {
    for (const moving of this.inFlight.takeFrom(worker)) this.route(moving.from, moving.clientHandle, moving.moved, null);
  }

  /** The master stops: what is still on its way is closed. */
  close(): void {
    for (const moving of this.inFlight.takeAll()) closeHandle(moving.clientHandle);
  }
}
