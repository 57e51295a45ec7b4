/**
 * scripts/cluster-http.ts — the baseline most users would write: Node's cluster with SCHED_RR and the
 * http module, answering what our hand-written worker answers. The benchmark runs it beside the kit's
 * models. `node dist/scripts/cluster-http.js [--workers N] [--port P]`; SIGINT stops it. It announces
 * itself with the master's `listening` event (lib/events.ts), so the benchmark reads it the same way.
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { formatEvent } from '../lib/events';
import { BODY } from '../lib/http/responses';

const { values } = parseArgs({ options: { workers: { type: 'string', default: '4' }, port: { type: 'string', default: '0' } } });

if (cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_RR;
  const workers = Number(values.workers);
  let listening = 0;
  cluster.on('listening', (_worker, address) => {
    if (++listening < workers) return;
    const pids = Object.values(cluster.workers ?? {}).map((worker) => worker!.process.pid!);
    console.log(formatEvent({
      type: 'listening', url: `http://127.0.0.1:${address.port}/`, model: 'cluster-http', transport: 'http', backlog: 511,
      pids, masterPid: process.pid, readyMs: Math.round(process.uptime() * 1000), node: process.version, dashboard: null,
    }));
  });
  // Workers share the primary's port: the first one to listen picks it (port 0), the rest get the same.
  process.env.HANDOFF_PORT = values.port;
  for (let slot = 0; slot < workers; slot++) cluster.fork({ HANDOFF_SLOT: String(slot) });
  process.on('SIGINT', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    process.exit(0);
  });
} else {
  process.on('SIGINT', () => {});
  process.on('disconnect', () => process.exit(0));
  const headers = { 'content-type': 'text/plain', 'content-length': String(BODY.length), 'x-slot': process.env.HANDOFF_SLOT };
  http.createServer((_request, response) => {
    response.writeHead(200, headers);
    response.end(BODY);
  }).listen({ host: '127.0.0.1', port: Number(process.env.HANDOFF_PORT) });
}
