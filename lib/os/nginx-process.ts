/**
 * lib/os/nginx-process.ts — Debian's nginx, run in the foreground as our child, from a temporary directory.
 *
 * The nginx model puts it in front of the workers; the benchmark runs it alone (`return 200`) as the
 * ceiling for one connection per request on this machine. Either way: the config goes into a fresh
 * temporary directory, every path nginx writes (pid, logs, temp files) is inside it, and nginx is
 * started through `setpriv --pdeathsig SIGTERM` (util-linux), which asks the kernel to send it SIGTERM
 * when our process dies, however it dies (prctl(2) PR_SET_PDEATHSIG): no nginx is ever left behind. The
 * directory a SIGKILLed master could not remove goes at the next start (lib/os/temp-dir.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { MissingProgramError, ProgramFailedError } from '../errors';
import { ownedTempDir, removeTempDir } from './temp-dir';

/** nginx binds before it forks its workers, in well under a second; a loaded machine gets five. */
const READY_TIMEOUT_MS = 5000;
/** `handoff-nginx-<pid of the process that made it>-<random>`, in os.tmpdir(). */
export const TEMP_DIR_PREFIX = 'handoff-nginx-';

/**
 * HANDOFF_NGINX names a binary to use (a custom build, say). Otherwise nginx on PATH, then /usr/sbin,
 * where Debian keeps it and which is not on every user's PATH.
 */
export function findNginx(): string | null {
  const candidates = process.env.HANDOFF_NGINX ? [process.env.HANDOFF_NGINX] : ['nginx', '/usr/sbin/nginx'];
  for (const candidate of candidates) {
    if (spawnSync(candidate, ['-v']).status === 0) return candidate;
  }
  return null;
}

/**
 * A whole nginx.conf around the given `http { }` contents, with every path nginx writes inside `prefix`
 * (the temp paths default to /var/lib/nginx, which a user cannot write and must not touch).
 */
export function nginxConfigFile(prefix: string, workerProcesses: number | 'auto', http: string): string {
  return `# written by handoff; every path is inside ${prefix}
worker_processes ${workerProcesses};
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
${http}}
`;
}

export class NginxProcess {
  readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess, readonly prefix: string) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** nginx's master process (setpriv execs nginx, so it keeps setpriv's pid); its workers are its children. */
  get pid(): number {
    return this.child.pid!;
  }

  /** Writes `config(prefix)` and starts nginx; resolves once it accepts connections on host:port. */
  static async start(host: string, port: number, config: (prefix: string) => string): Promise<NginxProcess> {
    const binary = findNginx();
    if (!binary) throw new MissingProgramError('nginx', 'apt-get install nginx (or your system\'s package)');
    const prefix = ownedTempDir(TEMP_DIR_PREFIX);
    const configPath = path.join(prefix, 'nginx.conf');
    writeFileSync(configPath, config(prefix));
    // -e: the error log nginx opens before it has read the config would otherwise be /var/log/nginx.
    const child = spawn('setpriv', ['--pdeathsig', 'SIGTERM', '--', binary, '-p', prefix, '-c', configPath,
      '-e', path.join(prefix, 'error.log'), '-g', 'daemon off;'], { stdio: ['ignore', 'inherit', 'pipe'] });
    const nginx = new NginxProcess(child, prefix);
    let stderr = '';
    child.stderr!.on('data', (chunk) => { stderr += chunk; });
    try {
      await Promise.race([
        whenListening(host, port),
        nginx.exited.then(() => { throw new ProgramFailedError(`nginx did not start: ${stderr.trim()}`); }),
      ]);
    } catch (error) {
      await nginx.close();
      throw error;
    }
    return nginx;
  }

  /** SIGQUIT is nginx's graceful shutdown: it closes its listener and finishes the requests it is serving. */
  async quit(): Promise<void> {
    this.signal('SIGQUIT');
    await this.exited;
  }

  /** SIGTERM is nginx's fast shutdown; it stops its own workers. Then the directory goes. */
  async close(): Promise<void> {
    this.signal('SIGTERM');
    await this.exited;
    removeTempDir(this.prefix);
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** nginx binds before it forks its workers; a connect that succeeds means it is ready. */
async function whenListening(host: string, port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const connected = await new Promise<boolean>((resolve) => {
      const probe = net.connect(port, host, () => { probe.destroy(); resolve(true); });
      probe.once('error', () => resolve(false));
    });
    if (connected) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new ProgramFailedError(`nginx did not listen on port ${port} within ${READY_TIMEOUT_MS} ms`);
}
