/**
 * lib/models/nginx.ts — the article's second answer: nginx in front, one port per worker.
 *
 * Each worker listens on a port of its own (P+1 … P+N) and nginx, listening on P, spreads requests over
 * them with its upstream round-robin (or, with --nginx-balance least-conn, to the upstream with the fewest
 * requests in progress). The kernel no longer decides anything: nginx does. But each nginx
 * worker process keeps its own rotation (without a shared `zone`, upstream state lives in each
 * process's memory; ngx_http_upstream_round_robin.c), so with K nginx workers a Node worker's count is
 * within K of N/W, not exact. And every request now crosses two TCP connections.
 *
 * The kit writes the config into a fresh temporary directory and runs nginx in the foreground, as its
 * child (lib/os/nginx-process.ts): nothing is written outside that directory, and no nginx outlives us.
 */
import type { ServerHandle } from '../binding/internals';
import { bindServerHandle, closeHandle } from '../binding/tcp';
import { nginxConfigFile, NginxProcess } from '../os/nginx-process';
import { freePorts } from '../os/ports';
import { listenOn, type Address, type Model, type ModelSettings, type WorkerLink } from './model';

/** nginx worker processes: one per core here. Each keeps its own rotation, so this is also the bound. */
export const NGINX_WORKERS = 2;

export function nginxConfig(settings: ModelSettings, port: number, prefix: string): string {
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  // max_fails=0: never mark a worker down. By default one failed attempt takes a server out for 10 s
  // (ngx_http_upstream_module, max_fails=1 fail_timeout=10s); a killed worker would then take its slot
  // out long after its replacement listens, and with every slot out nginx answers 502 to everyone. Here
  // the master holds each slot's socket, so a connection to a slot whose worker just died waits in its
  // queue for the replacement.
  const upstreams = Array.from({ length: settings.workers }, (_, slot) => `        server ${host}:${port + 1 + slot} max_fails=0;`);
  // least_conn counts the requests each upstream is serving; with a shared `zone` the two nginx workers
  // count together (ngx_http_upstream_zone_module), without one each would count only its own.
  const balance = settings.nginxBalance === 'least-conn' ? ['        least_conn;', '        zone cluster 64k;'] : [];
  return nginxConfigFile(prefix, NGINX_WORKERS, `    upstream cluster {
${[...balance, ...upstreams].join('\n')}
    }
    server {
        listen ${host}:${port} backlog=${settings.backlog};
        location / {
            proxy_pass http://cluster;
        }
    }
`);
}

export class NginxModel implements Model {
  readonly fork = 'child_process';
  private port = 0;
  private nginx: NginxProcess | null = null;
  /** One bound socket per worker slot (port P+1+slot), held by the master; see add(). */
  private readonly upstreams: ServerHandle[] = [];

  constructor(private readonly settings: ModelSettings) {}

  async start(): Promise<void> {
    this.port = await freePorts(this.settings.host, this.settings.port, this.settings.workers + 1);
    for (let slot = 0; slot < this.settings.workers; slot++) {
      this.upstreams.push(bindServerHandle(this.settings.host, this.port + 1 + slot));
    }
    this.nginx = await NginxProcess.start(this.settings.host, this.port, (prefix) => nginxConfig(this.settings, this.port, prefix));
  }

  address(): Address {
    return { host: this.settings.host, port: this.port };
  }

  /**
   * Each slot's port is bound once, by the master, and its socket handed to whichever worker holds the
   * slot, the article's way. A replacement (after a crash, or in a rolling restart while the old worker
   * still drains) listens on the same socket, so nginx's upstream never sees the port closed and the
   * connections queued on it are kept.
   */
  add(worker: WorkerLink): void {
    listenOn(worker, this.settings, this.upstreams[worker.slot]!);
  }

  remove(): void {}

  /** nginx first, gracefully: it finishes the requests it is proxying. Then our copies of the sockets. */
  async stopListening(): Promise<void> {
    await this.nginx?.quit();
    for (const handle of this.upstreams.splice(0)) closeHandle(handle);
  }

  async close(): Promise<void> {
    await this.nginx?.close();
    this.nginx = null;
    for (const handle of this.upstreams.splice(0)) closeHandle(handle);
  }
}
