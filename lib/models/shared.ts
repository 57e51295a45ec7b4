/**
 * lib/models/shared.ts — the article's model: one listening socket, shared by every worker.
 *
 * The master binds a TCP handle and never listens on it; each worker gets a copy of the fd over IPC,
 * listens and accepts on it. All the workers' copies are the same kernel socket with one accept queue,
 * and each worker's event loop has the fd in its epoll set. When a connection lands, the kernel wakes
 * every process waiting on it (libuv does not ask for EPOLLEXCLUSIVE, so each epoll waiter is woken:
 * the "thundering herd"); whichever calls accept4() first gets it, the others get EAGAIN. Who wins
 * depends on the scheduler, so the split is uneven: the article saw 14561 / 8329 / 2356 / 4885. The
 * kernel side is inet_csk_accept() and sk->sk_wq in net/ipv4/inet_connection_sock.c.
 *
 * Node's cluster does this too with SCHED_NONE (lib/internal/cluster/shared_handle.js).
 */
import type { ServerHandle } from '../binding/internals';
import { bindServerHandle, boundAddress, closeHandle } from '../binding/tcp';
import { listenOn, type Address, type Model, type ModelSettings, type WorkerLink } from './model';

export class SharedModel implements Model {
  readonly fork = 'child_process';
  private handle: ServerHandle | null = null;

  constructor(private readonly settings: ModelSettings) {}

  start(): void {
    this.handle = bindServerHandle(this.settings.host, this.settings.port);
  }

  address(): Address {
    return { host: this.settings.host, port: boundAddress(this.handle!).port };
  }

  /**
   * The master keeps its copy open: a worker forked later (a replacement) gets the same socket, and the
   * kernel keeps queued connections for it meanwhile.
   */
  add(worker: WorkerLink): void {
    listenOn(worker, this.settings, this.handle!);
  }

  remove(): void {}

  /**
   * Graceful stop: drop the master's copy first, so the socket really closes once the last worker
   * drains and closes its own; otherwise the kernel would go on queuing connections that nobody accepts.
   */
  stopListening(): void {
    this.close();
  }

  close(): void {
    if (this.handle) closeHandle(this.handle);
    this.handle = null;
  }
}
