/**
 * lib/dashboard/server.ts — `node master.js --dashboard PORT`: the distribution, live, in a browser.
 *
 * The master serves one page (page.ts) on 127.0.0.1 only, like the kit itself, and pushes a frame to
 * every open page twice a second with server-sent events (one long HTTP response of `data:` lines, the
 * EventSource API on the other end): each slot's connections so far and its rate over the last second,
 * its pid and the pids it replaced, the running max/min and Jain's index, and the herd where /proc can
 * count it (each process's event-loop wake-ups per connection, lib/os/procfs.ts). `GET /state` answers the
 * report as it stands, in the shape `--json` prints at the end (lib/events.ts). The dashboard is the
 * master's own HTTP, not the kit's: node:http is the right tool for it, and it never sees the workers'
 * traffic. It stops with the master.
 */
import http from 'node:http';
import { HandleError } from '../errors';
import type { MasterEvent, ReportEvent } from '../events';
import { describeEvent, isNews } from '../events';
import { voluntarySwitches } from '../os/procfs';
import { FRAME_INTERVAL_MS } from '../report/live';
import { RateMeter } from '../report/rates';
import { PAGE } from './page';

const HOST = '127.0.0.1';
/** The last lines of the master's log shown on the page. */
const LOG_LINES = 8;

export interface DashboardFrame {
  report: ReportEvent;
  /** New connections per second, per slot, over the last second. */
  rates: number[];
  /** Event-loop wake-ups per connection: each current worker's own, and the master's over all connections. */
  herd: { master: number | null; workers: Array<{ slot: number; pid: number; wakeupsPerConnection: number | null }> };
  info: { url: string; model: string; transport: string; backlog: number; node: string; masterPid: number } | null;
  log: string[];
}

export class Dashboard {
  private server: http.Server | null = null;
  private readonly streams = new Set<http.ServerResponse>();
  private timer: NodeJS.Timeout | null = null;
  private readonly meter = new RateMeter();
  private info: DashboardFrame['info'] = null;
  private readonly log: string[] = [];

  constructor(private readonly port: number) {}

  /** Listens on 127.0.0.1:port; resolves with the port (0 lets the kernel pick), or throws a HandleError. */
  listen(report: () => ReportEvent): Promise<number> {
    const server = http.createServer((request, response) => this.route(request, response, report));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new HandleError('listen', error.errno ?? -1, { host: HOST, port: this.port, what: 'dashboard port' })));
      server.listen({ host: HOST, port: this.port }, () => {
        this.timer = setInterval(() => this.push(report()), FRAME_INTERVAL_MS);
        resolve((server.address() as { port: number }).port);
      });
    });
  }

  /** What the master said: the header of the page (listening), and the log under it. */
  onEvent(event: MasterEvent): void {
    if (event.type === 'listening') {
      this.info = { url: event.url, model: event.model, transport: event.transport, backlog: event.backlog, node: event.node, masterPid: event.masterPid };
    } else if (event.type !== 'report' && isNews(event)) {
      this.log.push(`${new Date().toISOString().slice(11, 23)} ${describeEvent(event)}`);
      this.log.splice(0, this.log.length - LOG_LINES);
    }
  }

  frame(report: ReportEvent, now = Date.now()): DashboardFrame {
    const rates = this.meter.rates(now, report.slots.map((slot) => slot.connections));
    const perConnection = (pid: number, connections: number) => (connections > 0 ? voluntarySwitches(pid) / connections : null);
    const current = report.workers.filter((worker) => !worker.replaced);
    return {
      report, rates, info: this.info, log: [...this.log],
      herd: {
        master: this.info ? perConnection(this.info.masterPid, report.connections) : null,
        workers: current.map((worker) => ({ slot: worker.slot, pid: worker.pid, wakeupsPerConnection: perConnection(worker.pid, worker.connections) })),
      },
    };
  }

  private route(request: http.IncomingMessage, response: http.ServerResponse, report: () => ReportEvent): void {
    const noStore = { 'cache-control': 'no-store' };
    if (request.url === '/state') {
      response.writeHead(200, { ...noStore, 'content-type': 'application/json' }).end(JSON.stringify(report()));
    } else if (request.url === '/events') {
      response.writeHead(200, { ...noStore, 'content-type': 'text/event-stream', connection: 'keep-alive' });
      response.write(`data: ${JSON.stringify(this.frame(report()))}\n\n`);
      this.streams.add(response);
      request.once('close', () => this.streams.delete(response));
    } else if (request.url === '/' || request.url === '/index.html') {
      response.writeHead(200, { ...noStore, 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  }

  /** A frame every tick, watched or not, so a page that opens later gets a rate over the last second. */
  private push(report: ReportEvent): void {
    const data = `data: ${JSON.stringify(this.frame(report))}\n\n`;
    for (const stream of this.streams) stream.write(data);
  }

  /** Ends every open page's stream (the page then says the master has stopped) and stops listening. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    const server = this.server;
    this.server = null;
    if (server?.listening) await new Promise((resolve) => server.close(resolve));
    server?.closeAllConnections();
  }
}
