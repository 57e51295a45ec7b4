/**
 * worker.ts — the story from a worker's side.
 *
 * A worker is forked by the master and told, over IPC, how connections will reach it (lib/ipc.ts):
 *   - `listen` (the article; also nginx's and reuseport's per-slot sockets): the message carries a TCP
 *     handle the master bound. The worker listens on it, and libuv calls `onconnection` with each client
 *     handle this process wins the race for;
 *   - `await-connections`, then `connection` messages (rr, rr-idle): each carries one client handle the
 *     master accepted, acknowledged with `accepted`;
 *   - `open-handoff-pipe` (rr-pipelined): client handles arrive on a pipe of their own, many in flight
 *     (lib/models/handoff-pipe.ts);
 *   - `listen-net` (cluster): the worker listens itself, with the public net API, and takes each client
 *     handle before net.Socket wraps it.
 * Either way the worker counts the connection and answers HTTP on it (lib/http/responder.ts), on the raw
 * handle or through a net.Socket (`--transport`). It reports its counts to the master as it goes. Told
 * to `drain`, it stops accepting, finishes what it has started and reports; when the master's channel
 * closes, it exits.
 */
import net from 'node:net';
import os from 'node:os';
import {
  asClientHandle, asServerHandle, assertInternals, boundAddress, closeHandle, listen, socketFromClientHandle,
  takeConnections, type ClientHandle,
} from './lib/binding';
import type { HandleError } from './lib/errors';
import { RawTransport } from './lib/http/raw-transport';
import { Responder, type ConnectionObserver, type HttpConnection } from './lib/http/responder';
import { SocketTransport } from './lib/http/socket-transport';
import {
  COUNT_INTERVAL_MS, parseMasterMessage, parseWorkerArgv, type MasterMessage, type WorkerMessage,
} from './lib/ipc';
import { receiveHandoffs } from './lib/models/handoff-pipe';

const settings = parseWorkerArgv(process.argv.slice(2));
assertInternals();
const counts = { connections: 0, requests: 0 };
/** Open connections, so a drain knows what to finish. */
const open = new Set<HttpConnection>();
/** What this worker listens on, if it listens itself: closed when it drains. */
let stopListening: (() => void) | null = null;
let draining = false;
/** We told the master we are done: a channel that closes now is its answer, not its death. */
let reportedDrained = false;
/** rr-pipelined: handles may still be in our pipe until the master's FIN after the last one. */
let handoffPipeOpen = false;
/** Draining: connections may still be on the IPC channel until the master says `nothing-more`. */
let awaitingNothingMore = false;

const observer: ConnectionObserver = {
  requestServed: () => void counts.requests++,
  connectionClosed(connection) {
    open.delete(connection);
    finishDrain();
  },
};
const responder = new Responder({ ...settings }, observer);

function tell(message: WorkerMessage): void {
  // The channel may close under us (the master died): 'disconnect' ends this process shortly.
  if (process.connected) process.send!(message, () => {});
}

/** Every connection, however it came: counted, then served on the transport this worker was told to use. */
function serve(clientHandle: ClientHandle): void {
  counts.connections++;
  const transport = settings.transport === 'raw'
    ? new RawTransport(clientHandle) : new SocketTransport(socketFromClientHandle(clientHandle));
  const connection = responder.serve(transport);
  open.add(connection);
  if (draining) connection.drain();
}

/**
 * Stop accepting, let each connection finish (lib/http/responder.ts, drain), then report and go. On a
 * shared socket, closing our copy of the fd leaves the socket listening in the master and in the other
 * workers: the kernel keeps queuing connections for them, and none is lost.
 */
function drain(): void {
  draining = true;
  stopListening?.();
  stopListening = null;
  awaitingNothingMore = true;
  tell({ type: 'stopped-accepting' });
  for (const connection of open) connection.drain();
  finishDrain();
}

/**
 * Once a draining worker has no connection left, it reports and waits for the master to close the
 * channel; it does not exit by itself. A connection can still be on its way until the master's
 * `nothing-more` (lib/ipc.ts): Node's cluster hands them out until the primary has read our server's
 * close, and lib/internal/cluster/child.js sends each one back, an answer the primary has to read
 * before the channel closes. So `drained` waits for `nothing-more`, and when the channel closes,
 * nothing more can come, and a connection that did come is finished or handed back first.
 */
function finishDrain(): void {
  if (!draining || open.size > 0 || handoffPipeOpen || awaitingNothingMore) return;
  if (!process.connected) return process.exit(0);
  reportedDrained = true;
  tell({ type: 'drained', ...counts });
}

/** Node's cluster: an ordinary net.Server, whose listen() in a cluster worker asks the primary. */
function listenNet({ host, port, backlog }: Extract<MasterMessage, { type: 'listen-net' }>): void {
  const server = net.createServer();
  stopListening = () => server.close();
  server.once('error', (error: NodeJS.ErrnoException) => tell({
    type: 'listen-failed', syscall: error.syscall ?? 'listen', errno: error.errno ?? -os.constants.errno.EINVAL, host, port,
  }));
  server.listen({ host, port, backlog }, () => {
    takeConnections(server, serve);
    tell({ type: 'ready' });
  });
}

/** What each message from the master means, in one table (like Node's primary.js methodMessageMapping). */
const onMessage: { [T in MasterMessage['type']]: (message: Extract<MasterMessage, { type: T }>, received: unknown) => void } = {
  listen(message, received) {
    const handle = asServerHandle(received);
    if (!handle) return;
    try {
      listen(handle, message.backlog, serve);
      stopListening = () => closeHandle(handle);
      tell({ type: 'ready' });
    } catch (error) {
      // EADDRINUSE is caught in the master (see bindServerHandle); this is for what only listen() knows.
      const { syscall, errno } = error as HandleError;
      const { address, port } = boundAddress(handle);
      tell({ type: 'listen-failed', syscall, errno, host: address, port });
    }
  },
  'await-connections': () => tell({ type: 'ready' }),
  connection(_message, received) {
    const clientHandle = asClientHandle(received);
    if (!clientHandle) return;
    // The master holds its copy of the handle until this says we have it.
    tell({ type: 'accepted' });
    serve(clientHandle);
  },
  'open-handoff-pipe'(message) {
    handoffPipeOpen = true;
    receiveHandoffs(message.fd, serve, () => {
      handoffPipeOpen = false;
      finishDrain();
    });
    tell({ type: 'ready' });
  },
  'listen-net': listenNet,
  drain,
  'nothing-more'() {
    awaitingNothingMore = false;
    finishDrain();
  },
};

process.on('message', (raw: unknown, received: unknown) => {
  const message = parseMasterMessage(raw);
  if (message) (onMessage[message.type] as (message: MasterMessage, received: unknown) => void)(message, received);
});

/**
 * A worker dying of an uncaught exception still says how far it got: the monitor runs before Node
 * prints the error and exits, and an IPC write on an idle pipe goes out at once (libuv tries the write
 * synchronously before queuing it, uv__write in deps/uv/src/unix/stream.c). SIGKILL gives no such chance:
 * then the master keeps the count from the last report.
 */
process.on('uncaughtExceptionMonitor', () => tell({ type: 'count', ...counts }));

/** Unasked counts for the master's live views; unref'd, so they never keep the worker alive. */
let reported = -1;
setInterval(() => {
  if (counts.requests + counts.connections === reported) return;
  reported = counts.requests + counts.connections;
  tell({ type: 'count', ...counts });
}, COUNT_INTERVAL_MS).unref();

// The master's end of the IPC channel closed: it died, and we go now; or it has our drained report, and
// we go once the last connection is done.
process.on('disconnect', () => {
  if (!reportedDrained || open.size === 0) process.exit(0);
});
// Ctrl-C signals the whole process group; the master decides when we stop, after taking our count.
process.on('SIGINT', () => {});
