/**
 * worker.ts — the story from a worker's side.
 *
 * A worker is forked by the master and told, over IPC, how connections will reach it:
 *   - `serve-shared` (the article): the message carries the master's bound TCP handle. The worker listens
 *     on it, and libuv calls `onconnection` with each client handle this process wins the race for;
 *   - `serve-client` (rr, rr-idle): the message carries one client handle the master accepted;
 *   - `serve-net` (reuseport, nginx, cluster): the worker listens itself, with the public net API.
 * Either way the worker counts the connection, wraps it in a net.Socket and answers HTTP on it
 * (lib/http.ts). When the master asks, it reports its count; when the master's channel closes, it exits.
 */
import net from 'node:net';
import os from 'node:os';
import {
  asClientHandle, asServerHandle, boundAddress, listen, socketFromClientHandle, type ClientHandle, type HandleError,
} from './lib/binding';
import { responseBytes, serveHttp, type ResponderOptions } from './lib/http';
import { parseMasterMessage, parseWorkerArgv, type MasterMessage, type WorkerMessage } from './lib/ipc';

const settings = parseWorkerArgv(process.argv.slice(2));
const responses = responseBytes(settings.index);
const tally = { connections: 0, requests: 0, acceptErrors: 0 };
const responder: ResponderOptions = {
  workerIndex: settings.index,
  headTimeoutMs: settings.headTimeoutMs,
  idleTimeoutMs: settings.idleTimeoutMs,
  onRequest: () => tally.requests++,
};

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
  serveHttp(socket, responder, responses);
}

/** reuseport, nginx and cluster: an ordinary net.Server. In a cluster worker, listen() asks the primary. */
function serveNet({ host, port, backlog, reusePort }: Extract<MasterMessage, { type: 'serve-net' }>): void {
  const server = net.createServer(serve);
  server.once('error', (error: NodeJS.ErrnoException) =>
    tell({ type: 'listen-failed', syscall: error.syscall ?? 'listen', errno: error.errno ?? -os.constants.errno.EINVAL, port }));
  // `reusePort` is Node >= 22.12; the master refuses the reuseport model on older versions.
  const options: net.ListenOptions & { reusePort?: boolean } = { host, port, backlog, reusePort };
  server.listen(options, () => tell({ type: 'ready' }));
}

process.on('message', (raw: unknown, received: unknown) => {
  const message = parseMasterMessage(raw);
  switch (message?.type) {
    case 'serve-shared': {
      const handle = asServerHandle(received);
      if (!handle) return;
      try {
        listen(handle, message.backlog, onConnection);
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
    case 'report':
      return tell({ type: 'count', ...tally });
  }
});

// The master's end of the IPC channel closed: it is stopping us, or it died. Either way, we go.
process.on('disconnect', () => process.exit(0));
// Ctrl-C signals the whole process group; the master decides when we stop, after taking our count.
process.on('SIGINT', () => {});
