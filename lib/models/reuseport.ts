/**
 * lib/models/reuseport.ts — SO_REUSEPORT: one listening socket per worker, the kernel picks.
 *
 * Each worker binds its own socket to the same address and port with SO_REUSEPORT set. Linux (3.9+)
 * then keeps one accept queue per socket and puts each new connection in one of them, chosen by a hash
 * of the 4-tuple (reuseport_select_sock() in net/core/sock_reuseport.c). No herd: a connection wakes only
 * the worker that owns the queue. No master on the path. But the split is a hash, not a rotation: even
 * on average and never exact, and blind to load (a busy worker gets its share regardless).
 *
 * Node exposes it as `server.listen({ reusePort: true })` from 22.12 / 23.1 on (libuv's
 * UV_TCP_REUSEPORT). The master binds nothing; the workers do, on the public API.
 * A closing SO_REUSEPORT socket drops the connections still in its queue (unless the sysctl
 * net.ipv4.tcp_migrate_req is set): worth knowing for restarts.
 */
import { freePorts } from '../ports';
import { listenInWorker, ModelUnavailableError, type Model, type ModelSettings, type WorkerLink } from './model';

/** The first Node with `listen({ reusePort })`. */
const REUSEPORT_SINCE = [22, 12] as const;

export function hasReusePort(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > REUSEPORT_SINCE[0] || (major === REUSEPORT_SINCE[0] && minor >= REUSEPORT_SINCE[1]);
}

export class ReusePortModel implements Model {
  private port = 0;

  constructor(private readonly settings: ModelSettings) {}

  async start(): Promise<void> {
    if (!hasReusePort()) {
      throw new ModelUnavailableError(`--model reuseport needs Node >= ${REUSEPORT_SINCE.join('.')} ` +
        `(listen({ reusePort: true })); this is Node ${process.version}`);
    }
    this.port = await freePorts(this.settings.host, this.settings.port, 1);
  }

  address() {
    return { host: this.settings.host, port: this.port };
  }

  add(worker: WorkerLink): void {
    listenInWorker(worker, this.settings, this.port, true);
  }

  remove(): void {}

  close(): void {}
}
