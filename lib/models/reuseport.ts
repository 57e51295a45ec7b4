/**
 * lib/models/reuseport.ts — SO_REUSEPORT: one listening socket per worker, on the same port.
 *
 * With SO_REUSEPORT set before bind(), several sockets may listen on one address and port; the kernel
 * keeps them in a reuseport group and gives each new connection to one of them by a hash of its 4-tuple
 * (reuseport_select_sock() in net/core/sock_reuseport.c). Each worker then accepts from its own queue:
 * no shared accept, no herd, no master on the path. The split is even on average but not exact, since a
 * hash of random client ports is only close to uniform.
 *
 * The master binds the sockets (one per worker slot) and hands each to its worker, the way the article
 * hands out its one socket; the worker listens on it. Why not let each worker bind its own: when a
 * listening socket in the group closes, the connections queued on it are reset, not moved to the others
 * (unless net.ipv4.tcp_migrate_req is 1, Linux 5.14). A worker that crashed or was replaced in a rolling
 * restart would take its queue with it. Held by the master, the socket outlives its worker, and the
 * replacement listens on the same queue. (Measured in NOTES.md: the reset connections when a worker
 * owns its socket.)
 *
 * Node >= 22.12 (libuv 1.49's UV_TCP_REUSEPORT); on older versions the model refuses to start.
 */
import { spawnSync } from 'node:child_process';
import type { ServerHandle } from '../binding/internals';
import { bindServerHandle, boundAddress, closeHandle } from '../binding/tcp';
import { ModelUnavailableError } from '../errors';
import { listenOn, type Address, type Model, type ModelSettings, type WorkerLink } from './model';

const REUSEPORT_SINCE = [22, 12] as const;

export function hasReusePort(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > REUSEPORT_SINCE[0] || (major === REUSEPORT_SINCE[0] && minor >= REUSEPORT_SINCE[1]);
}

/**
 * A Node that can run this model: this one if it is new enough, else $HANDOFF_REUSEPORT_NODE if that is
 * (.ci/run points it at Node 24 from npm when the suite runs on Node 20; the tests, the benchmark and the
 * herd meter run reuseport with it). Null if there is none.
 */
export function nodeForReusePort(): string | null {
  if (hasReusePort()) return process.execPath;
  const other = process.env.HANDOFF_REUSEPORT_NODE;
  if (!other) return null;
  const version = spawnSync(other, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  return hasReusePort(version) ? other : null;
}

export class ReusePortModel implements Model {
  readonly fork = 'child_process';
  /** One socket per worker slot, all bound to the same port. */
  private readonly handles: ServerHandle[] = [];

  constructor(private readonly settings: ModelSettings) {}

  start(): void {
    if (!hasReusePort()) {
      throw new ModelUnavailableError(`--model reuseport needs Node >= ${REUSEPORT_SINCE.join('.')} ` +
        `(listen({ reusePort: true })); this is Node ${process.version}`);
    }
    // Port 0: the first bind picks the port, the others join it.
    let port = this.settings.port;
    for (let slot = 0; slot < this.settings.workers; slot++) {
      this.handles.push(bindServerHandle(this.settings.host, port, { reusePort: true }));
      port = boundAddress(this.handles[0]!).port;
    }
  }

  address(): Address {
    return { host: this.settings.host, port: boundAddress(this.handles[0]!).port };
  }

  add(worker: WorkerLink): void {
    listenOn(worker, this.settings, this.handles[worker.slot]!);
  }

  remove(): void {}

  /** Our copies go first, so each socket closes (and refuses) once its worker has drained. */
  stopListening(): void {
    this.close();
  }

  close(): void {
    for (const handle of this.handles.splice(0)) closeHandle(handle);
  }
}
