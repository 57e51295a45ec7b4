/**
 * worker.ts — the story from a worker's side.
 *
 * A worker is forked by the master and told, over IPC, how connections will reach it. In the article's
 * model (`serve-shared`) the message carries the master's bound TCP handle: the worker listens on it and
 * libuv calls `onconnection` with each client handle it accepts. The worker counts the connection, wraps
 * the handle in a net.Socket and answers HTTP on it (lib/http.ts). When the master asks, it reports its
 * count; when the master's channel closes, it exits.
 */
import {
  asServerHandle, listen, socketFromClientHandle, type ClientHandle, type HandleError,
} from './lib/binding';
import { responseBytes, serveHttp, type ResponderOptions } from './lib/http';
import { parseMasterMessage, parseWorkerArgv, type WorkerMessage } from './lib/ipc';

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
    // EMFILE and friends: libuv has already closed the connection it could not accept
    // (uv__emfile_trick in deps/uv/src/unix/stream.c). The listening socket is fine; carry on.
    tally.acceptErrors++;
    console.error(`worker ${settings.index} (pid ${process.pid}): ${error.message}`);
    return;
  }
  tally.connections++;
  serveHttp(socketFromClientHandle(clientHandle!), responder, responses);
}

process.on('message', (raw: unknown, received: unknown) => {
  const message = parseMasterMessage(raw);
  switch (message?.type) {
    case 'serve-shared': {
      const handle = asServerHandle(received);
      if (!handle) return;
      try {
        listen(handle, message.backlog, onConnection);
        tell({ type: 'listening' });
      } catch (error) {
        // EADDRINUSE is caught in the master (see bindServerHandle); this is for what only listen() knows.
        const { syscall, errno } = error as HandleError;
        tell({ type: 'listen-failed', syscall, errno });
      }
      return;
    }
    case 'report':
      return tell({ type: 'count', ...tally });
    case 'stop':
      return process.disconnect();
  }
});

// The master's end of the IPC channel closed: it is stopping us, or it died. Either way, we go.
process.on('disconnect', () => process.exit(0));
// Ctrl-C signals the whole process group; the master decides when we stop, after taking our count.
process.on('SIGINT', () => {});
