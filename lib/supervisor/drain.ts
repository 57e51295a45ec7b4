/**
 * lib/supervisor/drain.ts — a worker's graceful stop, as a handshake, with a deadline.
 *
 *   master                               worker
 *   drain                  ──────────▶   stops accepting (closes its server, or ignores the pipe's end)
 *                          ◀──────────   stopped
 *   finish (ack: stopped)  ──────────▶   nothing more will come: finishes each connection
 *                          ◀──────────   drained (ack: finish), with its final counts
 *   closes the channel                   exits once its last connection is done
 *
 * Why `finish`: Node's cluster primary may have sent the worker a connection before it read the
 * worker's server close (lib/internal/cluster/child.js, close(): "a time window"); the worker hands it
 * back with `accepted: false`, and that answer must reach the primary before the channel closes, or
 * round_robin_handle.js holds the handle forever and its client times out. The control channel keeps
 * order (lib/channel/control.ts): whatever was sent to the worker before the master read `stopped`
 * arrives before `finish`, and the worker's answers to it come before its `drained`.
 */
import type { WorkerProcess } from './worker-process';

/**
 * Tells a worker to drain (or `retire`: the same, but its live connections are given back to move on
 * instead of closed) and resolves once it has exited; at the deadline it is killed (`onTimeout` says so
 * first). It no longer takes connections from this moment, so no model hands it anything new,
 * and its handle pipe is ended after the last handle sent.
 */
export async function drain(worker: WorkerProcess, timeoutMs: number, onTimeout: () => void, how: 'drain' | 'retire' = 'drain',
  onStopped: () => void = () => {}): Promise<void> {
  if (!worker.draining) {
    worker.draining = true;
    worker.pipe.end();
    worker.send({ type: how }, null, (stopped) => {
      onStopped();
      worker.send({ type: 'finish', ack: stopped.seq }, null, () => worker.control.disconnect());
    });
  }
  const deadline = setTimeout(() => {
    onTimeout();
    worker.child.kill('SIGKILL');
  }, timeoutMs);
  await worker.exit;
  clearTimeout(deadline);
}
