/**
 * lib/models/nginx.ts — the article's second answer: nginx in front, one port per worker.
 *
 * Each worker listens on a port of its own (P+1 … P+N) and nginx, listening on P, spreads requests over
 * them with its upstream round-robin. The kernel no longer decides anything: nginx does. But each nginx
 * worker process keeps its own rotation (without a shared `zone`, upstream state lives in each
 * process's memory; ngx_http_upstream_round_robin.c), so with K nginx workers a Node worker's count is
 * within K of N/W, not exact. And every request now crosses two TCP connections.
 *
 * The kit writes the config into a fresh temporary directory and runs nginx in the foreground, as its
 * child, with every path (pid, logs, temp files) inside that directory. nginx is started through
 * `setpriv --pdeathsig SIGTERM` (util-linux), which asks the kernel to send SIGTERM to nginx when the
 * master dies, however it dies (prctl(2) PR_SET_PDEATHSIG): no nginx is ever left behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { bindServerHandle, closeHandle, type ServerHandle } from '../binding';
import { freePorts } from '../ports';
import { ModelUnavailableError, type Model, type ModelSettings, type WorkerLink } from './model';

/** nginx worker processes: one per core here. Each keeps its own rotation, so this is also the bound. */
export const NGINX_WORKERS = 2;
const READY_TIMEOUT_MS = 5000;

export function nginxConfig(settings: ModelSettings, port: number, prefix: string): string {
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const upstreams = Array.from({ length: settings.workers }, (_, index) => `        server ${host}:${port + 1 + index};`);
  return `# written by handoff (lib/models/nginx.ts); every path is inside ${prefix}
worker_processes ${NGINX_WORKERS};
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path ${prefix}/client_body;
    proxy_temp_path ${prefix}/proxy;
    fastcgi_temp_path ${prefix}/fastcgi;
    uwsgi_temp_path ${prefix}/uwsgi;
    scgi_temp_path ${prefix}/scgi;
    upstream cluster {
${upstreams.join('\n')}
    }
    server {
        listen ${host}:${port} backlog=${settings.backlog};
        location / {
            proxy_pass http://cluster;
        }
    }
}
`;
}

/**
 * HANDOFF_NGINX names a binary to use (a custom build, say). Otherwise nginx on PATH, then /usr/sbin,
 * where Debian keeps it and which is not on every user's PATH.
 */
function findNginx(): string | null {
  const candidates = process.env.HANDOFF_NGINX ? [process.env.HANDOFF_NGINX] : ['nginx', '/usr/sbin/nginx'];
  for (const candidate of candidates) {
    if (spawnSync(candidate, ['-v']).status === 0) return candidate;
  }
  return null;
}

export class NginxModel implements Model {
  private port = 0;
  private prefix = '';
  private nginx: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** One bound socket per worker slot (port P+1+index), held by the master; see add(). */
  private readonly upstreams: ServerHandle[] = [];

  constructor(private readonly settings: ModelSettings) {}

  async start(): Promise<void> {
    const binary = findNginx();
    if (!binary) throw new ModelUnavailableError('--model nginx needs nginx: apt-get install nginx (or your system\'s package)');
    this.port = await freePorts(this.settings.host, this.settings.port, this.settings.workers + 1);
    for (let index = 0; index < this.settings.workers; index++) {
      this.upstreams.push(bindServerHandle(this.settings.host, this.port + 1 + index));
    }
    this.prefix = mkdtempSync(path.join(os.tmpdir(), 'handoff-nginx-'));
    const config = path.join(this.prefix, 'nginx.conf');
    writeFileSync(config, nginxConfig(this.settings, this.port, this.prefix));
    // -e: the error log nginx opens before it has read the config would otherwise be /var/log/nginx.
    const nginx = spawn('setpriv', ['--pdeathsig', 'SIGTERM', '--', binary, '-p', this.prefix, '-c', config,
      '-e', path.join(this.prefix, 'error.log'), '-g', 'daemon off;'], { stdio: ['ignore', 'inherit', 'pipe'] });
    this.nginx = nginx;
    this.exited = new Promise((resolve) => nginx.once('exit', () => resolve()));
    let stderr = '';
    nginx.stderr!.on('data', (chunk) => { stderr += chunk; });
    await Promise.race([
      this.whenListening(),
      this.exited.then(() => { throw new ModelUnavailableError(`nginx did not start: ${stderr.trim()}`); }),
    ]);
  }

  /** nginx binds before it forks its workers; a connect that succeeds means it is ready. */
  private async whenListening(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const connected = await new Promise<boolean>((resolve) => {
        const probe = net.connect(this.port, this.settings.host, () => { probe.destroy(); resolve(true); });
        probe.once('error', () => resolve(false));
      });
      if (connected) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new ModelUnavailableError(`nginx did not listen on port ${this.port} within ${READY_TIMEOUT_MS} ms`);
  }

  address() {
    return { host: this.settings.host, port: this.port };
  }

  /**
   * Each slot's port is bound once, by the master, and its socket handed to whichever worker holds the
   * slot, the article's way. A replacement (after a crash, or in a rolling restart while the old worker
   * still drains) listens on the same socket, so nginx's upstream never sees the port closed and the
   * connections queued on it are kept.
   */
  add(worker: WorkerLink): void {
    worker.send({ type: 'serve-shared', backlog: this.settings.backlog }, this.upstreams[worker.index]!, () => {});
  }

  remove(): void {}

  /** SIGQUIT is nginx's graceful shutdown: it closes its listener and finishes the requests it is proxying. */
  async stopAccepting(): Promise<void> {
    if (this.nginx && this.nginx.exitCode === null && this.nginx.signalCode === null) this.nginx.kill('SIGQUIT');
    await this.exited;
    for (const handle of this.upstreams.splice(0)) closeHandle(handle);
  }

  /** SIGTERM is nginx's fast shutdown; it stops its own workers. Then the directory goes. */
  async close(): Promise<void> {
    if (this.nginx && this.nginx.exitCode === null && this.nginx.signalCode === null) this.nginx.kill('SIGTERM');
    await this.exited;
    for (const handle of this.upstreams.splice(0)) closeHandle(handle);
    if (this.prefix) rmSync(this.prefix, { recursive: true, force: true });
    this.nginx = null;
  }
}
