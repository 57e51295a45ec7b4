/**
 * The drain handshake, with the test as the worker's master: a worker told to drain answers `stopped`
 * and holds its `drained` until the master's `finish`. A connection the master sent in between (what
 * Node's cluster primary does when it has not yet read the worker's close) is served and counted before
 * `drained`; a worker that reported at once would lose it when the master closes the channel on
 * `drained`.
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import t from 'tap';
import { sendOverChannel, takeConnections } from '../../lib/binding/channel';
import type { ClientHandle } from '../../lib/binding/internals';
import { closeHandle } from '../../lib/binding/tcp';
import { HandlePipeMaker, HandlePipeToWorker } from '../../lib/channel/handle-pipe';
import { parseReport, type Report } from '../../lib/channel/messages';
import { compiled } from '../../lib/os/paths';
import { workerArgv } from '../../lib/worker/settings';
import { collectCoverage, coverageDir } from '../helpers/coverage';
import { EVENT_MS, within } from '../helpers/wait';

t.test('a connection sent after `stopped` and before `finish` is served, then `drained` counts it', async (t) => {
  const coverage = coverageDir();
  t.teardown(() => collectCoverage(coverage));
  const env: NodeJS.ProcessEnv = { ...process.env, ...(coverage ? { NODE_V8_COVERAGE: coverage } : {}) };
  delete env.NODE_OPTIONS; // tap's loader is for the test process, not for a worker
  // Every worker is born with its handle pipe at fd 4 (lib/channel/handle-pipe.ts): ours is the master's end.
  const pipes = new HandlePipeMaker();
  t.teardown(() => pipes.close());
  const made = await pipes.make();
  const worker = fork(compiled('worker'), workerArgv({
    slot: 0, masterPid: process.pid, headTimeoutMs: 10_000, idleTimeoutMs: 5000, transport: 'raw', allowCrash: false,
  }), { execArgv: [], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc', made.workerFd] });
  made.release();
  const pipe = new HandlePipeToWorker(made.pipe, () => {});
  const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
  t.teardown(() => void worker.kill('SIGKILL'));

  /** What the worker said, in order, its unasked counts left out. */
  const said: Report[] = [];
  const waiters: Array<() => void> = [];
  worker.on('message', (raw: unknown) => {
    const report = parseReport(raw);
    if (!report || report.type === 'counted') return;
    said.push(report);
    waiters.splice(0).forEach((wake) => wake());
  });
  const saying = (type: Report['type']) => within(new Promise<Report>(function check(resolve) {
    const found = said.find((report) => report.type === type);
    if (found) resolve(found);
    else waiters.push(() => check(resolve));
  }), EVENT_MS, `the worker to say ${type}`);

  worker.send({ type: 'await-connections', seq: 1 });
  t.match(await saying('started'), { ack: 1 }, '`started` names the order it answers');
  worker.send({ type: 'drain', seq: 2 });
  // As the master does (lib/supervisor/drain.ts): nothing more on the pipe; the worker waits for this FIN too.
  pipe.end();
  const stopped = await saying('stopped');
  t.match(stopped, { ack: 2 });

  // A client connects to a listener of ours; its handle goes to the draining worker, as a primary would send it.
  const server = net.createServer();
  t.teardown(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sent = new Promise<ClientHandle>((resolve) => takeConnections(server, (clientHandle) => {
    sendOverChannel(worker, { type: 'take', seq: 3 }, clientHandle, () => {});
    resolve(clientHandle);
  }));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  t.teardown(() => client.destroy());
  const chunks: Buffer[] = [];
  client.on('data', (chunk: Buffer) => chunks.push(chunk));
  const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  client.write('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  const ourCopy = await within(sent, EVENT_MS, 'the client\'s connection to reach our listener');
  t.match(await saying('taken'), { ack: 3 });
  closeHandle(ourCopy);
  worker.send({ type: 'finish', seq: 4, ack: stopped.seq });

  const drained = await saying('drained');
  t.same(said.map((report) => report.type), ['started', 'stopped', 'taken', 'drained'], 'drained comes last');
  t.match(drained, { type: 'drained', ack: 4, connections: 1, requests: 1 }, 'the late connection is counted');
  await within(clientClosed, EVENT_MS, 'the worker to answer and close the connection');
  t.match(Buffer.concat(chunks).toString('latin1'), /^HTTP\/1\.1 200 OK\r\n[^]*\r\nx-slot: 0\r\n/i);
  worker.disconnect();
  t.equal(await within(exited, EVENT_MS, 'the worker to exit once the channel closed'), 0);
  pipe.closeWhenRead();
});
