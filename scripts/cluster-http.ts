/**
 * scripts/cluster-http.ts — the baseline most users would write: Node's cluster with SCHED_RR and the
 * http module, answering what our hand-written worker answers. The benchmark runs it beside the kit's
 * models. `node scripts/cluster-http.js [--workers N] [--port P]`; SIGINT stops it.
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { BODY } from '../lib/http';

const { values } = parseArgs({ options: { workers: { type: 'string', default: '4' }, port: { type: 'string', default: '0' } } });

if (cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_RR;
  let listening = 0;
  cluster.on('listening', (_worker, address) => {
    if (++listening === Number(values.workers)) console.log(`cluster-http: listening on http://127.0.0.1:${address.port}/`);
  });
  // Workers share the primary's port: the first one to listen picks it (port 0), the rest get the same.
  process.env.HANDOFF_PORT = values.port;
  for (let index = 0; index < Number(values.workers); index++) cluster.fork({ HANDOFF_INDEX: String(index) });
  process.on('SIGINT', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    process.exit(0);
  });
} else {
  process.on('SIGINT', () => {});
  process.on('disconnect', () => process.exit(0));
  const headers = { 'content-type': 'text/plain', 'content-length': String(BODY.length), 'x-worker': process.env.HANDOFF_INDEX };
  http.createServer((_request, response) => {
    response.writeHead(200, headers);
    response.end(BODY);
  }).listen({ host: '127.0.0.1', port: Number(process.env.HANDOFF_PORT) });
}
