/**
 * worker.ts — the story from a worker's side.
 *
 * A worker is forked by the master and told, over IPC, how connections will reach it:
 *   - `serve-shared` (the article; also nginx's and reuseport's per-worker sockets): the message carries
 *     a TCP handle the master bound. The worker listens on it, and libuv calls `onconnection` with each
 *     client handle this process wins the race for;
 *   - `serve-client` (rr, rr-idle): the message carries one client handle the master accepted;
 *   - `serve-net` (cluster): the worker listens itself, with the public net API.
 * Either way the worker counts the connection, wraps it in a net.Socket and answers HTTP on it
 * (lib/http.ts). It reports its count to the master as it goes. Told to drain, it stops accepting,
 * finishes what it has started and exits; when the master's channel closes, it exits at once.
 */
import net from 'node:net';
import os from 'node:os';
import {
  asClientHandle, asServerHandle, boundAddress, closeHandle, listen, socketFromClientHandle, type ClientHandle, type HandleError,
} from './lib/binding';
import { responseBytes, serveHttp, type HttpConnection, type ResponderOptions } from './lib/http';
import {
  COUNT_INTERVAL_MS, parseMasterMessage, parseWorkerArgv, type MasterMessage, type WorkerMessage,
} from './lib/ipc';

const settings = parseWorkerArgv(process.argv.slice(2));
const responses = responseBytes(settings.index);
const tally = { connections: 0, requests: 0, acceptErrors: 0 };
const responder: ResponderOptions = {
  workerIndex: settings.index,
  headTimeoutMs: settings.headTimeoutMs,
  idleTimeoutMs: settings.idleTimeoutMs,
  allowCrash: settings.allowCrash,
  onRequest: () => tally.requests++,
};
/** Open connections, so a drain knows what to finish. */
const open = new Set<HttpConnection>();
/** What this worker listens on, if it listens itself: closed when it drains. */
let stopListening: (() => void) | null = null;
let draining = false;
/** We told the master we are done: a channel that closes now is its answer, not its death. */
let reportedDrained = false;

function tell(message: WorkerMessage): void {
  // The channel may close under us (the master died): 'disconnect' ends this process shortly.
  if (process.connected) process.send!(message, () => {});
}

function onConnection(error: HandleError | null, clientHandle: ClientHandle | null): void {
  if (error) {
    // Rare: libuv absorbs EMFILE itself (uv__emfile_trick in deps/uv/src/unix/stream.c closes a spare
    // fd, accepts and closes the queued connections, reports nothing). What does get here (ENOBUFS,
    // EMFILE with no spare fd) leaves the listening socket fine: count it and carry on.
    tally.acceptErrors++;
    console.error(`worker ${settings.index} (pid ${process.pid}): ${error.message}`);
    return;
  }
  serve(socketFromClientHandle(clientHandle!));
}

function serve(socket: net.Socket): void {
  tally.connections++;
  const connection = serveHttp(socket, responder, responses);
  open.add(connection);
  if (draining) connection.drain();
  void connection.closed.then(() => {
    open.delete(connection);
    finishDrain();
  });
}

/**
 * Stop accepting, let each connection finish its request (lib/http.ts, drain), then report and go. On a
 * shared socket, closing our copy of the fd leaves the socket listening in the master and in the other
 * workers: the kernel keeps queuing connections for them, and none is lost.
 */
function drain(): void {
  draining = true;
  stopListening?.();
  stopListening = null;
  for (const connection of open) connection.drain();
  finishDrain();
}

/**
 * Once a draining worker has no connection left, it reports and waits for the master to close the
 * channel; it does not exit by itself. A connection can still be on its way: Node's cluster hands them
 * out until the primary has read our server's close (lib/internal/cluster/child.js sends it back if we
 * no longer listen), and the master reads our `drained` only after that close, on the same channel.
 * So when the channel closes, nothing more can come, and a connection that did come is finished first.
 */
function finishDrain(): void {
  if (!draining || open.size > 0) return;
  if (!process.connected) return process.exit(0);
  reportedDrained = true;
  tell({ type: 'drained', ...tally });
}

/**
 * A worker dying of an uncaught exception still says how far it got: the monitor runs before Node
 * prints the error and exits, and an IPC write on an idle pipe goes out at once (libuv tries the write
 * synchronously before queuing it, uv__write in deps/uv/src/unix/stream.c). SIGKILL gives no such chance:
 * then the master keeps the count from the last report.
 */
process.on('uncaughtExceptionMonitor', () => tell({ type: 'count', ...tally }));

/** Unasked counts for the master's live view; unref'd, so they never keep the worker alive. */
let reported = -1;
setInterval(() => {
  if (tally.requests + tally.connections === reported) return;
  reported = tally.requests + tally.connections;
  tell({ type: 'count', ...tally });
}, COUNT_INTERVAL_MS).unref();

/** Node's cluster: an ordinary net.Server, whose listen() in a cluster worker asks the primary. */
function serveNet({ host, port, backlog }: Extract<MasterMessage, { type: 'serve-net' }>): void {
  const server = net.createServer(serve);
  stopListening = () => server.close();
  server.once('error', (error: NodeJS.ErrnoException) =>
    tell({ type: 'listen-failed', syscall: error.syscall ?? 'listen', errno: error.errno ?? -os.constants.errno.EINVAL, port }));
  server.listen({ host, port, backlog }, () => tell({ type: 'ready' }));
}

process.on('message', (raw: unknown, received: unknown) => {
  const message = parseMasterMessage(raw);
  switch (message?.type) {
    case 'serve-shared': {
      const handle = asServerHandle(received);
      if (!handle) return;
      try {
        listen(handle, message.backlog, onConnection);
        stopListening = () => closeHandle(handle);
        tell({ type: 'ready' });
      } catch (error) {
        // EADDRINUSE is caught in the master (see bindServerHandle); this is for what only listen() knows.
        const { syscall, errno } = error as HandleError;
        tell({ type: 'listen-failed', syscall, errno, port: boundAddress(handle).port });
      }
      return;
    }
    case 'serve-client': {
      const clientHandle = asClientHandle(received);
      if (!clientHandle) return;
      // rr-idle: the master holds its copy of the handle, and sends us nothing more, until we say so.
      if (message.ack) tell({ type: 'accepted' });
      return onConnection(null, clientHandle);
    }
    case 'serve-handed':
      return tell({ type: 'ready' });
    case 'serve-net':
      return serveNet(message);
    case 'drain':
      return drain();
  }
});

// The master's end of the IPC channel closed: it died, and we go now; or it has our drained report, and
// we go once the last connection is done.
process.on('disconnect', () => {
  if (!reportedDrained || open.size === 0) process.exit(0);
});
// Ctrl-C signals the whole process group; the master decides when we stop, after taking our count.
process.on('SIGINT', () => {});
