/**
 * Live connections that change worker, on real processes and sockets: the bytes a connection carries
 * (a pipelined request, a half-arrived one) answered in order by its new worker, byte for byte, on both
 * transports; --rebalance evening out a burst of long-lived connections on a shared socket without a
 * failed request or a reconnect; and a receiver killed while connections were on their way to it, whose
 * connections go to another worker. The rules of one connection, the worker's counts and the master's
 * mover are unit tests (test/unit/responder.ts, moves.ts); test/process/restart.ts restarts under load.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import t from 'tap';
import { readPipe } from '../../lib/binding/pipe';
import { closeHandle } from '../../lib/binding/tcp';
import { HANDLE_PIPE_FD, HandlePipeMaker } from '../../lib/channel/handle-pipe';
import { BODY } from '../../lib/http/responses';
import { transportNames } from '../../lib/http/transports';
import { runHold } from '../../tools/measure/hold';
import { startMaster, workersOf } from '../helpers/master';
import { EVENT_MS, untilAsync, within } from '../helpers/wait';
import { Conversation } from '../helpers/wire';

const ok = (slot: number) => `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 12\r\nx-slot: ${slot}\r\n` +
  `keep-alive: timeout=60\r\n\r\n${BODY}`;

t.test('a worker that writes 100 handles and exits before the master reads: the master reads all 100', async (t) => {
  // Every read that carries a handle is short, and a short read with the peer's hang-up is an EOF to
  // libuv before 1.52 (lib/binding/pipe.ts, readPipe): on Node 20, without reading again, 1 of 100 arrives.
  const maker = new HandlePipeMaker();
  t.teardown(() => maker.close());
  const { pipe, workerFd, release } = await maker.make();
  const stdio: Array<'ignore' | 'inherit' | number> = ['ignore', 'inherit', 'inherit', 'ignore', workerFd];
  const giver = spawn(process.execPath, [path.join(__dirname, '../helpers/give-and-exit.js'), '100'], { stdio });
  release();
  t.equal(HANDLE_PIPE_FD, stdio.indexOf(workerFd), 'the giver\'s end is its fd 4');
  const [code] = await within(once(giver, 'exit'), EVENT_MS, 'the giver to write 100 handles and exit');
  t.equal(code, 0, 'it wrote every one');
  let handles = 0;
  let lines = 0;
  await within(new Promise((resolve) => readPipe(pipe, {
    onHandle: (clientHandle) => { handles++; closeHandle(clientHandle); },
    onBytes: (bytes) => { lines += bytes.toString('latin1').split('\n').length - 1; },
    onEnd: resolve,
  })), EVENT_MS, 'the pipe\'s end');
  closeHandle(pipe);
  t.equal(handles, 100, 'every handle');
  t.equal(lines, 100, 'every line');
});

for (const transport of transportNames) {
  t.test(`--transport ${transport}: a connection moves with a pipelined request and a half-arrived one; the new worker answers both, in order`, async (t) => {
    const { master, port, pids } = await startMaster(t, ['--workers', '1', '--transport', transport, '--idle-timeout', '60000']);
    const client = await Conversation.open(port);
    t.teardown(() => client.close());
    // A body half-sent: the connection is in a request, and cannot move until the body has ended.
    client.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello');
    t.equal(String(await client.read(ok(0).length)), ok(0), 'the POST is answered when its head is in');
    master.child.kill('SIGHUP');
    await master.waitForEvent('retiring', (event) => event.pid === pids[0], 'the old worker to have the retire');
    const next = 'GET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHo';
    client.send(`world${next}`);
    const moved = await master.waitForEvent('moved', () => true, 'the connection to move');
    t.equal(moved.bytes, next.length, 'it carried exactly what followed the body');
    t.equal(String(await client.read(ok(0).length)), ok(0), '/2, answered by the new worker from the carried bytes');
    client.send('st: x\r\n\r\n');
    t.equal(String(await client.read(ok(0).length)), ok(0), '/3, once the rest of its head arrived');
    client.close();
    const { report } = await master.stop();
    const [old, replacement] = report!.workers;
    t.match(old, { pid: pids[0], connections: 1, requests: 1, given: 1 }, 'the old worker answered the POST and gave the connection');
    t.match(replacement, { connections: 0, received: 1, requests: 2 }, 'the new one received it and answered the rest');
    t.match(report, { connections: 1, requests: 3, moves: 1 }, 'one connection, counted once; three requests; one move');
  });
}

t.test('a restart beside hard clients: a head that stops halfway, 100 pipelined requests, a client that stops reading, one that leaves', async (t) => {
  const { master, port, pids, listening } = await startMaster(t, ['--workers', '1', '--idle-timeout', '60000', '--head-timeout', '2000', '--dashboard', '0']);
  const [half, pipelined, blocked, leaving] = await Promise.all([0, 1, 2, 3].map(() => Conversation.open(port)));
  t.teardown(() => [half, pipelined, blocked, leaving].forEach((client) => client!.close()));
  const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
  // Enough answers to fill both sockets' buffers: the worker is left with writes it cannot finish, and a
  // connection with a write queued does not move until the client reads.
  const UNREAD = 100_000;
  blocked!.socket.pause();
  blocked!.send(GET.repeat(UNREAD));
  // Blocked: the worker has stopped answering (its count stands still over three looks) before all were answered.
  const answered = async () => ((await (await fetch(new URL('/state', listening.dashboard!))).json()) as { slots: Array<{ requests: number }> }).slots[0]!.requests;
  let last = -1;
  let stands = 0;
  await untilAsync(async () => {
    const now = await answered();
    stands = now === last && now > 0 && now < UNREAD ? stands + 1 : 0;
    last = now;
    return stands >= 3;
  }, EVENT_MS, 'the worker to stop answering the client that does not read', 100);
  const headSentAt = Date.now();
  half!.send('GET / HTTP/1.1\r\nHo');
  master.child.kill('SIGHUP');
  await master.waitForEvent('retiring', (event) => event.pid === pids[0], 'the old worker to have the retire');
  leaving!.close();
  pipelined!.send(GET.repeat(100));
  t.equal(String(await pipelined!.read(ok(0).length * 100)), ok(0).repeat(100), '100 pipelined requests, answered in order');
  t.equal(master.events.filter((event) => event.type === 'worker-exited' && event.pid === pids[0]).length, 0,
    'the old worker waits for the client that does not read');
  blocked!.socket.resume();
  const answers = await blocked!.read(ok(0).length * UNREAD);
  t.ok(answers.equals(Buffer.from(ok(0).repeat(UNREAD))), `all ${UNREAD} answers to the client that stopped reading, in order, once it read`);
  const { data } = await half!.readToClose();
  t.match(String(data), /^HTTP\/1\.1 408 Request Timeout\r\n/, 'the half head timed out, moved or not');
  t.ok(Date.now() - headSentAt >= 2000, 'no sooner than its head timeout from when it began');
  await master.waitForEvent('restart-done', () => true, 'the restart to finish');
  pipelined!.close();
  blocked!.close();
  const { report } = await master.stop();
  t.equal(report!.connections, 4, 'four connections, each counted once');
  t.equal(report!.requests, 100 + UNREAD, 'every request answered once');
  t.same(master.events.filter((event) => event.type === 'worker-exited').map((event) => 'code' in event && event.code), [0, 0],
    'no worker crashed: the old one exited after its restart, the new one at the stop');
  t.equal(master.events.filter((event) => event.type === 'move-failed').length, 0, 'no move failed');
});

t.test('--rebalance: a burst of 100 long-lived connections on a shared socket evens out, without a failed request or a reconnect', async (t) => {
  const { master, port } = await startMaster(t, ['--workers', '4', '--rebalance']);
  const held = await runHold({ url: new URL(`http://127.0.0.1:${port}/`), connections: 100, rate: 10, durationMs: 3000, slots: 4 });
  t.equal(held.failed, 0, `${held.requests} requests answered, none failed`);
  t.equal(held.reconnects, 0, 'no connection was closed under its client');
  t.not(held.evenFromMs, null, `even (Jain >= 0.99) from ${held.evenFromMs} ms on, to the end`);
  // The rebalancer's bound (lib/supervisor/rebalancer.ts): the fullest slot within 5% of the mean, or one
  // connection; a burst that lands slowly on a busy machine can end at 26 / 26 / 22 / 26, inside it.
  const atEnd = held.timeline.at(-1)!.bySlot;
  t.equal(atEnd.reduce((sum, count) => sum + count, 0), 100, `every connection held at the end: ${atEnd.join(' / ')}`);
  t.ok(Math.max(...atEnd) <= 26, 'the fullest within one connection of the mean, 25');
  const { report } = await master.stop();
  t.equal(report!.connections, 100, 'the workers accepted 100 connections: the ones the client made');
  t.ok(report!.moves > 0, `${report!.moves} moves`);
  t.equal(report!.slots.reduce((sum, slot) => sum + slot.given, 0), report!.moves, 'every connection given was received');
  t.comment(`accepted ${report!.slots.map((slot) => slot.connections).join(' / ')}; moved ${report!.moves}`);
});

t.test('a receiver killed while connections were on their way to it: they go to another worker; only what it held is lost', async (t) => {
  // rr hands new connections in strict turn; with the third worker stopped, the other two fill up while
  // the master still believes the third holds what it last reported: the rebalancer sends it connections,
  // which wait, unread, until it is killed; then the master hands them to the others. The connections
  // the stopped worker itself held die with it: that is all a SIGKILL may take.
  const { master, port, pids, listening } = await startMaster(t, ['--workers', '3', '--model', 'rr', '--rebalance', '--idle-timeout', '60000', '--dashboard', '0']);
  const open = async (count: number) => Promise.all(Array.from({ length: count }, () => Conversation.open(port)));
  const ask = (clients: Conversation[]) => Promise.all(clients.map(async (client) => {
    client.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    return String(await client.read(ok(0).length));
  }));
  const first = await open(30);
  t.teardown(() => first.forEach((client) => client.close()));
  const slots = (await ask(first)).map((answer) => Number(/x-slot: (\d)/.exec(answer)![1]));
  const victim = pids[2]!;
  process.kill(victim, 'SIGSTOP');
  t.teardown(() => { try { process.kill(victim, 'SIGKILL'); } catch { /* gone */ } });
  const second = await open(20);
  t.teardown(() => second.forEach((client) => client.close()));
  const given = async () => {
    const state = await (await fetch(new URL('/state', listening.dashboard!))).json() as { slots: Array<{ given: number }> };
    return state.slots[0]!.given + state.slots[1]!.given;
  };
  await untilAsync(async () => (await given()) > 0, EVENT_MS, 'the rebalancer to send connections to the stopped worker');
  process.kill(victim, 'SIGKILL');
  await master.waitForEvent('worker-exited', (event) => event.pid === victim, 'the stopped worker\'s death');
  const held = first.filter((_, at) => slots[at] === 2);
  const survivors = [...first.filter((_, at) => slots[at] !== 2), ...second];
  t.equal(held.length, 10, 'rr gave the victim every third connection of the first thirty');
  const answers = await within(ask(survivors), EVENT_MS, 'an answer on every connection the victim did not hold');
  t.equal(answers.filter((answer) => /^HTTP\/1\.1 200 OK\r\n[^]*hello nodejs$/.test(answer)).length, 40,
    'all 40 answered: the ones moved to the victim and the new ones rr had handed it too');
  for (const client of held) await within(client.closed, EVENT_MS, 'the victim\'s own connections to close with it');
  survivors.forEach((client) => client.close());
  const { report } = await master.stop();
  t.equal(report!.workers.find((worker) => worker.pid === victim)!.received, 0, 'the victim took nothing it was sent');
  t.ok(report!.moves > 0, `${report!.moves} moves reached a live worker`);
  t.same(workersOf(master.pid), []);
});
