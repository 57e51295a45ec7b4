/**
 * scripts/serve-one.ts — the shared model's worker, alone in one process, for profilers.
 *
 * clinic follows only the process it starts (clinicjs/node-clinic#387), so under `clinic -- node
 * master.js` it would watch a master that, in the shared model, never touches a connection. This
 * process does the whole path a shared-model worker does, and nothing else: bind a raw TCP handle
 * (the master's part), listen, accept in `onconnection`, wrap the client handle and serve HTTP.
 */
import { parseArgs } from 'node:util';
import { assertInternals, bindServerHandle, boundAddress, closeHandle, listen, socketFromClientHandle } from '../lib/binding';
import { DEFAULT_BACKLOG } from '../lib/cli';
import { responseBytes, serveHttp } from '../lib/http';

const { values } = parseArgs({
  options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '3000' } },
});
assertInternals();
const handle = bindServerHandle(values.host, Number(values.port));
const responses = responseBytes(0);
const responder = { workerIndex: 0, headTimeoutMs: 10_000, idleTimeoutMs: 5000 };
let connections = 0;
listen(handle, DEFAULT_BACKLOG, (error, clientHandle) => {
  if (error) return console.error(`serve-one: ${error.message}`);
  connections++;
  serveHttp(socketFromClientHandle(clientHandle!), responder, responses);
});
console.log(`handoff: 1 workers listening on http://${values.host}:${boundAddress(handle).port}/ (serve-one)`);

const stop = () => {
  closeHandle(handle);
  console.log(`worker ${process.pid} got ${connections} connections`);
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
