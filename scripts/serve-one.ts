/**
 * scripts/serve-one.ts — the shared model's worker, alone in one process, for profilers.
 *
 * clinic follows only the process it starts (clinicjs/node-clinic#387), so under `clinic -- node
 * master.js` it would watch a master that, in the shared model, never touches a connection. This
 * process does the whole path a shared-model worker does, and nothing else: bind a raw TCP handle
 * (the master's part), listen, accept in `onconnection`, and serve HTTP on the transport asked for.
 * It speaks the master's events (lib/events.ts): `listening` when it is, `report` when SIGINT stops it.
 * `node dist/scripts/serve-one.js [--port 3000] [--transport raw|socket]`
 */
import { parseArgs } from 'node:util';
import { assertInternals } from '../lib/binding/internals';
import { bindServerHandle, boundAddress, closeHandle, listen } from '../lib/binding/tcp';
import { formatEvent } from '../lib/events';
import { Responder } from '../lib/http/responder';
import { openTransport, parseTransport } from '../lib/http/transports';
import { DEFAULT_BACKLOG } from '../lib/master/cli';
import { buildReport } from '../lib/report/report';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '3000' },
    transport: { type: 'string', default: 'raw' },
  },
});
const transport = parseTransport(values.transport);
assertInternals();
const handle = bindServerHandle(values.host, Number(values.port));
const counts = { connections: 0, requests: 0, received: 0, given: 0, open: 0 };
const responder = new Responder({ slot: 0, headTimeoutMs: 10_000, idleTimeoutMs: 5000 },
  { requestServed: () => void counts.requests++, connectionClosed: () => {}, connectionGiven: () => {} });
listen(handle, DEFAULT_BACKLOG, (clientHandle) => {
  counts.connections++;
  responder.serve(openTransport(transport, clientHandle));
});
console.log(formatEvent({
  type: 'listening', url: `http://${values.host}:${boundAddress(handle).port}/`, model: 'serve-one', transport,
  backlog: DEFAULT_BACKLOG, pids: [], masterPid: process.pid, readyMs: Math.round(process.uptime() * 1000), node: process.version, dashboard: null,
}));

const stop = () => {
  closeHandle(handle);
  console.log(formatEvent(buildReport('serve-one', transport, [{ slot: 0, pid: process.pid, replaced: false, ...counts, open: 0, load: { inFlight: 0, inProgress: 0, utilization: 0 } }])));
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
