/**
 * worker.ts — the story from a worker's side.
 *
 * A worker is forked by the master and told, by its first order on the control channel
 * (lib/channel/messages.ts), how connections will reach it:
 *   - `listen` (the article; also nginx's and reuseport's per-slot sockets): the order carries a TCP
 *     handle the master bound. The worker listens on it, and libuv calls `onconnection` with each client
 *     handle this process wins the race for;
 *   - `await-connections` (rr, rr-free, rr-pipelined): the master accepts, and hands each client handle
 *     on as a `take` order, answered `taken`, or on the worker's handle pipe, many in flight
 *     (lib/channel/handle-pipe.ts);
 *   - `listen-net` (cluster): the worker listens itself, with the public net API, and takes each client
 *     handle before net.Socket wraps it.
 * Either way the worker counts the connection and answers HTTP on it (lib/worker/connections.ts), on the
 * raw handle or through a net.Socket (`--transport`). It reports its counts as it goes. A connection
 * can also come moved from another worker (on the handle pipe), and leave again: told to `give` some
 * (the master evens the workers out) or to `retire` (a rolling restart), the worker hands live
 * connections back on the pipe at a request boundary, and the master moves them on. Told to `drain`, it stops
 * accepting, finishes what it has started, and reports; when the master's channel closes, it exits.
 * Read on in lib/channel/, then lib/http/responder.ts.
 */
import net from 'node:net';
import os from 'node:os';
import { asClientHandle, asServerHandle, takeConnections } from './lib/binding/channel';
import { assertInternals, type ServerHandle } from './lib/binding/internals';
import { boundAddress, closeHandle, listen } from './lib/binding/tcp';
import { ControlToMaster } from './lib/channel/control';
import { HandlePipeToMaster } from './lib/channel/handle-pipe';
import { COUNT_INTERVAL_MS, type Order } from './lib/channel/messages';
import { parseWorkerArgv } from './lib/worker/settings';
import type { HandleError } from './lib/errors';
import { Connections } from './lib/worker/connections';
import { LoadMeter } from './lib/worker/load';

const settings = parseWorkerArgv(process.argv.slice(2));
assertInternals();
const meter = new LoadMeter();
/** How busy we are, for the master's scheduler: on every acknowledgement and every `counted`. */
function load() {
  return { inProgress: connections.inProgress, utilization: meter.utilization() };
}
/** Our counts and load, as a `counted` report carries them. */
function counted() {
  return { type: 'counted' as const, ...connections.counts, ...load() };
}
const connections = new Connections(settings, {
  onEmpty: () => finishDrain(),
  // Our copy of the fd goes once it is written: the master holds one from then on (the kernel keeps
  // a reference in the message until the master reads it). So the client's socket is never closed.
  onGiven: (clientHandle, moved, ack) => {
    giving++;
    pipe.tell({ type: 'given', seq: master.nextSeq(), ack, moved }, clientHandle, () => {
      closeHandle(clientHandle);
      giving--;
      finishDrain();
    });
  },
});
/**
 * Connections given back whose write has not gone yet: a burst of them queues in libuv while the pipe
 * is full, and a worker that exited now would take them with it. The drain waits for them.
 */
let giving = 0;
const master = new ControlToMaster((order, handle) => (orders[order.type] as (order: Order, handle: unknown) => void)(order, handle));
/**
 * The handle pipe: connections the master hands over many at a time (rr-pipelined), and live
 * connections moved from other workers. Until the master's FIN after its last handle, one may still
 * be on its way.
 */
const pipe = new HandlePipeToMaster((clientHandle, moved) => connections.serve(clientHandle, moved), () => finishDrain(), load);
/** What this worker listens on, if it listens itself: closed when it drains. */
let stopListening: (() => void) | null = null;
let draining = false;
/** The master's `finish`: nothing more will come. `drained` answers it. */
let finish: Order | null = null;
/** We said `drained`: a channel that closes now is the master's answer, not its death. */
let reportedDrained = false;

/**
 * Stop accepting, let each connection finish (or, retiring, leave at its next boundary for our successor),
 * then report and go. On a shared socket, closing our copy of the fd leaves the socket listening in the
 * master and in the other workers: the kernel keeps queuing connections for them, and none is lost.
 */
function drain(order: Extract<Order, { type: 'drain' | 'retire' }>): void {
  draining = true;
  stopListening?.();
  stopListening = null;
  master.answer(order, { type: 'stopped' });
  if (order.type === 'retire') connections.retire(order.seq);
  else connections.drain();
}

/**
 * Once a draining worker has no connection left, it reports and waits for the master to close the
 * channel; it does not exit by itself. A connection can still be on its way until the master's `finish`
 * (lib/supervisor/drain.ts), so `drained` waits for it; when the channel closes, nothing more can come,
 * and a connection that did come is finished or handed back first.
 */
function finishDrain(): void {
  if (!draining || connections.size > 0 || giving > 0 || !pipe.ended || !finish) return;
  if (!process.connected) return process.exit(0);
  reportedDrained = true;
  master.answer(finish, { type: 'drained', ...connections.counts });
}

/** A listen() that failed, as data: errors cross to the master as an errno (lib/errors.ts makes it an Error). */
function failed(order: Order, error: HandleError | NodeJS.ErrnoException, host: string, port: number): void {
  master.answer(order, { type: 'failed', syscall: error.syscall ?? 'listen', errno: Number(error.errno ?? -os.constants.errno.EINVAL), host, port });
}

/** What each order from the master means, in one table (like Node's primary.js methodMessageMapping). */
const orders: { [T in Order['type']]: (order: Extract<Order, { type: T }>, received: unknown) => void } = {
  listen(order, received) {
    const handle: ServerHandle | null = asServerHandle(received);
    if (!handle) return;
    try {
      listen(handle, order.backlog, (clientHandle) => connections.serve(clientHandle));
      stopListening = () => closeHandle(handle);
      master.answer(order, { type: 'started' });
    } catch (error) {
      // EADDRINUSE is caught in the master (see bindServerHandle); this is for what only listen() knows.
      const { address, port } = boundAddress(handle);
      failed(order, error as HandleError, address, port);
    }
  },
  'listen-net'(order) {
    // Node's cluster: an ordinary net.Server, whose listen() in a cluster worker asks the primary.
    const server = net.createServer();
    stopListening = () => server.close();
    server.once('error', (error: NodeJS.ErrnoException) => failed(order, error, order.host, order.port));
    server.listen({ host: order.host, port: order.port, backlog: order.backlog }, () => {
      takeConnections(server, (clientHandle) => connections.serve(clientHandle));
      master.answer(order, { type: 'started' });
    });
  },
  'await-connections': (order) => master.answer(order, { type: 'started' }),
  take(order, received) {
    const clientHandle = asClientHandle(received);
    if (!clientHandle) return;
    // The master holds its copy of the handle until this says we have it.
    master.answer(order, { type: 'taken' });
    connections.serve(clientHandle);
  },
  give(order) {
    connections.give(order.count, order.seq);
    // What we hold now, on the pipe after the connections that left: the master looks again once it has this.
    pipe.tell({ ...counted(), seq: master.nextSeq(), ack: order.seq });
  },
  drain,
  retire: drain,
  finish(order) {
    finish = order;
    finishDrain();
  },
};

/**
 * A worker dying of an uncaught exception still says how far it got: the monitor runs before Node
 * prints the error and exits, and an IPC write on an idle pipe goes out at once (libuv tries the write
 * synchronously before queuing it, uv__write in deps/uv/src/unix/stream.c). SIGKILL gives no such chance:
 * then the master keeps the count from the last report.
 */
process.on('uncaughtExceptionMonitor', () => master.tell(counted()));

/**
 * Unasked counts and load for the master's live views and its scheduler, while they change; unref'd, so
 * they never keep the worker alive.
 */
let reported = '';
setInterval(() => {
  meter.tick();
  const report = counted();
  const { connections: accepted, requests, received, given, open, inProgress, utilization } = report;
  const now = `${accepted} ${requests} ${received} ${given} ${open} ${inProgress} ${utilization.toFixed(2)}`;
  if (now === reported) return;
  reported = now;
  master.tell(report);
}, COUNT_INTERVAL_MS).unref();

// The master's end of the control channel closed: it died, and we go now; or it has our drained report,
// and we go once the last connection is done.
process.on('disconnect', () => {
  if (!reportedDrained || connections.size === 0) process.exit(0);
});
// Ctrl-C signals the whole process group; the master decides when we stop, after taking our count.
process.on('SIGINT', () => {});
