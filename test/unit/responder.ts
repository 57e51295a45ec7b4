/**
 * Every rule of the hand-written HTTP responder (lib/http/responder.ts), on a fake transport and a clock
 * the test moves: what is written byte for byte, how the connection ends (quick close, or FIN and
 * lingering), and each of the four deadlines to the millisecond, never a moment early.
 * test/process/wire.ts checks the same bytes on real sockets, on both transports.
 */
import t from 'tap';
import type { Moved } from '../../lib/channel/messages';
import { MOVE_COOLDOWN_MS } from '../../lib/http/connection';
import { Deadlines } from '../../lib/http/deadlines';
import { CrashRequestedError, Responder, type ResponderOptions } from '../../lib/http/responder';
import { burn, MAX_WORK_US } from '../../lib/http/work';
import { EVENT_MS, until } from '../helpers/wait';
import { FakeClock, FakeTransport } from '../helpers/fake-transport';

const HEAD_TIMEOUT_MS = 1000;
const IDLE_TIMEOUT_MS = 3000;
/** lib/http/responder.ts LINGER_MS: how long a closing connection reads and drops before it closes. */
const LINGER_MS = 5000;

const KEEP_ALIVE = 'keep-alive: timeout=3\r\n';
const ok = (connection: 'keep-alive' | 'close' | '' = '', withBody = true) =>
  'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 12\r\nx-slot: 7\r\n' +
  (connection === 'close' ? 'connection: close\r\n' : connection === 'keep-alive' ? `connection: keep-alive\r\n${KEEP_ALIVE}` : KEEP_ALIVE) +
  `\r\n${withBody ? 'hello nodejs' : ''}`;
const failure = (status: number, reason: string) =>
  `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain\r\ncontent-length: ${reason.length + 1}\r\n` +
  `x-slot: 7\r\nconnection: close\r\n\r\n${reason}\n`;
const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
const CLOSE = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

function setup(options: Partial<ResponderOptions> = {}, moved?: Moved) {
  const clock = new FakeClock();
  const counts = { requests: 0, closed: 0 };
  const given: Moved[] = [];
  /** The microseconds each `/work` request burned, in order. */
  const spins: number[] = [];
  const responder = new Responder({ slot: 7, headTimeoutMs: HEAD_TIMEOUT_MS, idleTimeoutMs: IDLE_TIMEOUT_MS, ...options }, {
    requestServed: () => void counts.requests++, connectionClosed: () => void counts.closed++,
    connectionGiven: (_connection, _handle, movedOut) => void given.push(movedOut),
  }, clock.now, (microseconds) => void spins.push(microseconds));
  const transport = new FakeTransport();
  const connection = responder.serve(transport, moved);
  /** Time passes, and the responder's timer looks at the deadlines. */
  const wait = (ms: number) => {
    clock.advance(ms);
    responder.deadlines.tick(clock.ms);
  };
  /** What a connection that left carried, its bytes decoded. */
  const carried = () => given.map((each) => ({ ...each, bytes: Buffer.from(each.bytes, 'base64').toString('latin1') }));
  return { clock, transport, connection, counts, wait, given, carried, spins };
}

t.test('HTTP/1.1 keeps the connection open and answers again on it, announcing the idle timeout', async (t) => {
  const { transport, counts } = setup();
  transport.send(GET);
  t.equal(transport.take(), ok());
  transport.send(GET);
  t.equal(transport.take(), ok());
  t.ok(transport.open);
  t.equal(counts.requests, 2);
});

t.test('HTTP/1.0: closes after the answer unless asked to keep alive, as ab -k asks', async (t) => {
  const plain = setup();
  plain.transport.send('GET / HTTP/1.0\r\n\r\n');
  t.equal(plain.transport.take(), ok('close'));
  t.ok(plain.transport.closedAfterWrite, 'nothing follows the request: closed at once, no staged FIN');
  const kept = setup();
  kept.transport.send('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n');
  t.equal(kept.transport.take(), ok('keep-alive'));
  t.ok(kept.transport.open);
});

t.test('Connection: close is honoured: the answer says so, and the connection closes at once', async (t) => {
  const { transport } = setup();
  transport.send(CLOSE);
  t.equal(transport.take(), ok('close'));
  t.ok(transport.closedAfterWrite);
});

t.test('HEAD gets the headers and no body; the next answer on the connection is intact', async (t) => {
  const { transport } = setup();
  transport.send('HEAD / HTTP/1.1\r\nHost: x\r\n\r\n');
  t.equal(transport.take(), ok('', false));
  transport.send(GET);
  t.equal(transport.take(), ok());
});

t.test('pipelined requests are answered in order, in one write; what follows a close is dropped, with a staged close', async (t) => {
  const { transport, counts } = setup();
  transport.send(`${GET}HEAD / HTTP/1.1\r\nHost: x\r\n\r\n${CLOSE}GET /after HTTP/1.1\r\nHost: x\r\n\r\n`);
  t.equal(transport.take(), ok() + ok('', false) + ok('close'));
  t.ok(transport.ended, 'bytes followed the request that asked to close: FIN, then read and drop (no RST)');
  t.notOk(transport.closedAfterWrite);
  t.equal(counts.requests, 3, 'the request after the close is not served');
  transport.send(GET);
  t.equal(transport.take(), '', 'input after our FIN is read and dropped');
});

t.test('a request split at every byte is answered once, when its head is complete', async (t) => {
  const { transport } = setup();
  for (const char of GET.slice(0, -1)) {
    transport.send(char);
    t.equal(transport.written, '', 'nothing before the blank line');
  }
  transport.send(GET.slice(-1));
  t.equal(transport.take(), ok());
  t.equal(transport.writes, 1, 'one write: none for the reads that completed nothing');
});

t.test('a request body is stepped over, never read as a request, however it arrives', async (t) => {
  const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
  const withLength = setup();
  withLength.transport.send(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}${GET}`);
  t.equal(withLength.transport.take(), ok() + ok(), 'Content-Length');
  const chunked = setup();
  chunked.transport.send(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${smuggled.length.toString(16)}\r\n${smuggled}\r\n0\r\n\r\n${GET}`);
  t.equal(chunked.transport.take(), ok() + ok(), 'chunked');
  const pieces = setup();
  pieces.transport.send(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${smuggled.length}\r\n\r\n`);
  t.equal(pieces.transport.take(), ok(), 'answered once the head is in');
  pieces.transport.send(smuggled.slice(0, 10));
  pieces.transport.send(smuggled.slice(10) + CLOSE);
  t.equal(pieces.transport.take(), ok('close'), 'a body that arrives in pieces');
});

t.test('bad input: the right status, then FIN and read-and-drop, never a quick close', async (t) => {
  const cases: Array<[string, string, number, string]> = [
    ['NUL in a header', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n', 400, 'Bad Request'],
    ['space before the colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n', 400, 'Bad Request'],
    ['Content-Length and Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc', 400, 'Bad Request'],
    ['two Content-Length values, even equal ones', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello', 400, 'Bad Request'],
    ['malformed request line', 'GET/HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'Bad Request'],
    ['bare LF', 'GET / HTTP/1.1\nHost: x\n\n', 400, 'Bad Request'],
    ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\n\r\n', 400, 'Bad Request'],
    ['HTTP/2.0 in an HTTP/1 request line', 'GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505, 'HTTP Version Not Supported'],
    ['an unknown transfer coding', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501, 'Not Implemented'],
    ['CONNECT: no tunnel is opened here', 'CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n', 501, 'Not Implemented'],
    ['a head over 8 KiB', `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(9000)}\r\n\r\n`, 431, 'Request Header Fields Too Large'],
    ['a head over 8 KiB that never ends', `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(20000)}`, 431, 'Request Header Fields Too Large'],
  ];
  for (const [name, request, status, reason] of cases) {
    const { transport, counts } = setup();
    transport.send(request);
    t.equal(transport.take(), failure(status, reason), name);
    t.ok(transport.ended && !transport.closedAfterWrite, `${name}: FIN, then read and drop`);
    t.equal(counts.requests, 0, `${name}: not counted as served`);
  }
  const chunk = setup();
  chunk.transport.send('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
  t.equal(chunk.transport.take(), ok() + failure(400, 'Bad Request'), 'a malformed chunked body: 400 after the answer it followed');
});

t.test('an idle connection is closed, silently, exactly at the idle timeout after its last request', async (t) => {
  const fresh = setup();
  fresh.wait(IDLE_TIMEOUT_MS - 1);
  t.ok(fresh.transport.open, 'not one millisecond early');
  fresh.wait(1);
  t.ok(fresh.transport.closed, 'a connection that never said anything: closed at the timeout');
  t.equal(fresh.transport.written, '');
  const used = setup();
  used.wait(1000);
  used.transport.send(GET);
  used.transport.take();
  used.wait(IDLE_TIMEOUT_MS - 1);
  t.ok(used.transport.open, 'the clock starts again at the request');
  used.wait(1);
  t.ok(used.transport.closed);
  t.equal(used.counts.closed, 1, 'the worker hears of the close once');
});

t.test('a kept-alive connection in steady use is never cut by the idle timeout', async (t) => {
  const { transport, wait } = setup();
  for (let request = 0; request < 10; request++) {
    transport.send(GET);
    t.equal(transport.take(), ok());
    wait(IDLE_TIMEOUT_MS - 100);
  }
  t.ok(transport.open, `open after ${10 * (IDLE_TIMEOUT_MS - 100)} ms: each request moved the deadline on`);
});

t.test('a head that does not finish gets 408, head timeout after its first byte; more bytes do not extend it', async (t) => {
  const slow = setup();
  slow.wait(500);
  slow.transport.send('GET / HTTP/1.1\r\n');
  for (let drip = 0; drip < 9; drip++) {
    slow.wait(HEAD_TIMEOUT_MS / 10);
    slow.transport.send('X: a\r\n');
  }
  slow.wait(HEAD_TIMEOUT_MS / 10 - 1);
  t.equal(slow.transport.written, '', 'not before the head timeout');
  slow.wait(1);
  t.equal(slow.transport.take(), failure(408, 'Request Timeout'));
  t.ok(slow.transport.ended);
  const next = setup();
  next.transport.send(GET);
  next.transport.take();
  next.wait(100);
  next.transport.send('GET / HT');
  next.wait(HEAD_TIMEOUT_MS);
  t.equal(next.transport.take(), failure(408, 'Request Timeout'), 'the head clock starts at the next head\'s first byte');
});

t.test('a closing connection reads and drops until the client closes, or LINGER_MS', async (t) => {
  const { transport, wait } = setup();
  transport.send('GET / HTTP/1.1\r\n\r\n');
  transport.take();
  t.ok(transport.ended);
  wait(LINGER_MS - 1);
  transport.send('x'.repeat(1000));
  t.equal(transport.written, '');
  t.notOk(transport.closed, 'not before LINGER_MS');
  wait(1);
  t.ok(transport.closed, 'closed at LINGER_MS');
});

t.test('backpressure: a client that does not read makes the responder stop reading, and time out only without progress', async (t) => {
  const { transport, wait } = setup();
  transport.full = true;
  transport.send(GET.repeat(3));
  t.equal(transport.take(), ok().repeat(3), 'the answers of one read go in one write');
  t.ok(transport.paused, 'reading stopped');
  wait(IDLE_TIMEOUT_MS - 1);
  transport.drainQueue();
  t.notOk(transport.paused, 'reading again once the kernel took the answers');
  wait(IDLE_TIMEOUT_MS - 1);
  t.ok(transport.open, 'progress moved the deadline');
  transport.full = true;
  transport.send(GET);
  transport.take();
  wait(IDLE_TIMEOUT_MS);
  t.ok(transport.closed, 'no progress for the idle timeout: closed');
});

t.test('in progress (what a worker reports as its load): a head or body arriving, an answer not yet taken; not between requests, not closing', async (t) => {
  const { transport, connection } = setup();
  t.notOk(connection.inProgress, 'a new connection, nothing sent yet');
  transport.send('GET / HT');
  t.ok(connection.inProgress, 'half a head');
  transport.send('TP/1.1\r\nHost: x\r\n\r\n');
  t.equal(transport.take(), ok());
  t.notOk(connection.inProgress, 'answered: between requests');
  transport.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345');
  t.equal(transport.take(), ok());
  t.ok(connection.inProgress, 'answered, its body still arriving');
  transport.send('67890');
  t.notOk(connection.inProgress, 'the body is all in');
  transport.full = true;
  transport.send(GET);
  t.equal(transport.take(), ok());
  t.ok(connection.inProgress, 'an answer the kernel has not taken (the client does not read)');
  transport.drainQueue();
  t.notOk(connection.inProgress, 'taken');
  transport.send('GET / HTTP/2.0\r\nHost: x\r\n\r\nGET / HT');
  t.match(transport.take(), /^HTTP\/1\.1 505 /);
  t.notOk(connection.inProgress, 'closing: what still arrives is dropped, not a request');
});

t.test('an error while blocked still gets its answer out: reading resumes so the FIN can follow', async (t) => {
  const { transport } = setup();
  transport.full = true;
  transport.send(GET);
  t.ok(transport.paused);
  transport.send('BAD\r\n\r\n');
  t.match(transport.take(), /^HTTP\/1\.1 200 OK[^]*HTTP\/1\.1 400 Bad Request/);
  t.notOk(transport.paused);
  t.ok(transport.ended);
});

t.test('drain: each request from now on is answered with connection: close; an idle connection waits out its timeout', async (t) => {
  const busy = setup();
  busy.connection.drain();
  busy.transport.send(GET);
  t.equal(busy.transport.take(), ok('close'));
  t.ok(busy.transport.ended, 'staged: the client did not expect the close, and may be sending');
  const idle = setup();
  idle.transport.send(GET);
  idle.transport.take();
  idle.connection.drain();
  t.ok(idle.transport.open, 'not closed under a client that may be sending its next request');
  idle.wait(IDLE_TIMEOUT_MS);
  t.ok(idle.transport.closed, 'closed at the timeout every answer announced');
});

t.test('a request that asks to close but has a body still coming: FIN and read-and-drop, not a quick close', async (t) => {
  const { transport } = setup();
  transport.send('POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\n');
  t.equal(transport.take(), ok('close'));
  t.ok(transport.ended, 'closing with the body unread would reset the connection (RST) under the answer');
  t.notOk(transport.closedAfterWrite);
});

t.test('a written that comes while nothing was blocked moves no deadline', async (t) => {
  const { transport, wait } = setup();
  transport.send('GET / HTTP/1.1\r\nHo');
  wait(HEAD_TIMEOUT_MS - 1);
  transport.drainQueue();
  wait(1);
  t.match(transport.take(), /^HTTP\/1\.1 408 /, 'still the head deadline');
});

t.test('an error while blocked lingers for LINGER_MS once its answer is out, not for the idle timeout', async (t) => {
  const { transport, wait } = setup();
  transport.full = true;
  transport.send(GET);
  transport.send('BAD\r\n\r\n');
  transport.drainQueue();
  wait(LINGER_MS - 1);
  t.notOk(transport.closed, 'still reading and dropping');
  wait(1);
  t.ok(transport.closed);
});

t.test('the client\'s FIN: a half-sent head is dropped, nothing is answered', async (t) => {
  const { transport } = setup();
  transport.send('GET / HTTP/1.1\r\nHo');
  transport.eof();
  transport.send('st: x\r\n\r\n');
  t.equal(transport.written, '');
});

t.test('deadlines: one timer per worker, ticking ten times per shortest timeout', async (t) => {
  const observer = { requestServed() {}, connectionClosed() {}, connectionGiven() {} };
  t.equal(new Responder({ slot: 0, headTimeoutMs: 1000, idleTimeoutMs: 3000 }, observer).deadlines.tickMs, 100, 'the head timeout is the shorter');
  t.equal(new Deadlines(5).tickMs, 1, 'never below a millisecond');
  const deadlines = new Deadlines(20);
  let fired = 0;
  const entry = { deadline: Date.now(), onDeadline: () => void fired++ };
  deadlines.watch(entry);
  await until(() => fired > 0, EVENT_MS, 'the timer to find the passed deadline');
  deadlines.unwatch(entry);
  t.ok(fired > 0, 'the interval runs by itself: no one called tick()');
});

t.test('GET /crash throws only with --allow-crash', async (t) => {
  const plain = setup();
  plain.transport.send('GET /crash HTTP/1.1\r\nHost: x\r\n\r\n');
  t.equal(plain.transport.take(), ok());
  const crashing = setup({ allowCrash: true });
  crashing.transport.send(GET);
  t.equal(crashing.transport.take(), ok(), 'any other target is served as usual');
  t.throws(() => crashing.transport.send('GET /crash HTTP/1.1\r\nHost: x\r\n\r\n'), { constructor: CrashRequestedError, message: 'GET /crash (--allow-crash)' });
});

t.test('moving: between requests it leaves at once, with nothing to carry, its deadline and the time it left', async (t) => {
  const { transport, connection, clock, wait, carried, counts } = setup();
  transport.send(GET);
  transport.take();
  wait(100);
  const { deadline } = connection;
  t.equal(connection.moveIfIdle(), true);
  t.ok(transport.released, 'the transport let the handle go');
  t.same(carried(), [{ bytes: '', deadline, headStartedAt: 0, movedAt: clock.ms, from: 7 }]);
  wait(IDLE_TIMEOUT_MS * 2);
  t.notOk(transport.closed, 'a connection that left is not timed out here');
  t.equal(counts.closed, 0, 'nor counted as closed');
  t.equal(connection.moveIfIdle(), false, 'it leaves once');
});

t.test('moving: a half-arrived head goes along, with the moment it began and its head deadline', async (t) => {
  const { transport, connection, clock, wait, carried } = setup();
  wait(10);
  transport.send('GET /next HTTP/1.1\r\nHo');
  const began = clock.ms;
  wait(200);
  t.equal(connection.moveIfIdle(), true);
  t.same(carried(), [{ bytes: 'GET /next HTTP/1.1\r\nHo', deadline: began + HEAD_TIMEOUT_MS, headStartedAt: began, movedAt: clock.ms, from: 7 }]);
});

t.test('moving: not while a body streams in, a response waits for the client, the connection closes, or it just arrived', async (t) => {
  const body = setup();
  body.transport.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello');
  t.equal(body.connection.moveIfIdle(), false, 'a body is streaming in');
  const blocked = setup();
  blocked.transport.full = true;
  blocked.transport.send(GET);
  t.equal(blocked.connection.moveIfIdle(), false, 'the client does not read its answer');
  const closing = setup();
  closing.transport.send('GET / HTTP/1.1\r\n\r\n');
  t.equal(closing.connection.moveIfIdle(), false, 'our FIN is out');
  const arrived = setup({}, { bytes: '', deadline: 1_000_000 + IDLE_TIMEOUT_MS, headStartedAt: 0, movedAt: 1_000_000, from: 2 });
  t.equal(arrived.connection.moveIfIdle(), false, 'moved a moment ago: not moved again (no ping-pong)');
  arrived.wait(MOVE_COOLDOWN_MS - 1);
  t.equal(arrived.connection.moveIfIdle(), false);
  arrived.wait(1);
  t.equal(arrived.connection.moveIfIdle(), true, `${MOVE_COOLDOWN_MS} ms later it may`);
});

t.test('retiring: a connection with a body streaming in leaves at the boundary after it, with the next requests it read', async (t) => {
  const { transport, connection, carried, counts } = setup();
  transport.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello');
  t.equal(transport.take(), ok(), 'the POST is answered as its head completes');
  connection.moveAtBoundary();
  t.same(carried(), [], 'not during the body');
  transport.send(`world${GET}GET /3 HT`);
  t.same(carried().map((each) => each.bytes), [`${GET}GET /3 HT`], 'a pipelined request and a half-arrived one go along, unanswered');
  t.equal(transport.written, '', 'nothing more answered here');
  t.equal(counts.requests, 1);
});

t.test('retiring: a connection whose answer is queued leaves once it has gone', async (t) => {
  const { transport, connection, carried } = setup();
  transport.full = true;
  transport.send(GET);
  connection.moveAtBoundary();
  t.same(carried(), []);
  transport.drainQueue();
  t.equal(carried().length, 1, 'left as soon as its answer was written');
});

t.test('moving: one that cannot be let go now is simply not moved, and stays kept alive', async (t) => {
  const { transport, connection, carried } = setup();
  transport.send(GET);
  transport.take();
  transport.refuseRelease = true;
  t.equal(connection.moveIfIdle(), false);
  transport.send(GET);
  t.equal(transport.take(), ok(), 'no connection: close: a move that did not happen changes nothing');
  t.same(carried(), []);
});

t.test('retiring: a request read while the answer before it was queued is answered here if the connection cannot leave', async (t) => {
  const { transport, connection, carried } = setup();
  transport.full = true;
  transport.send(GET);
  connection.moveAtBoundary();
  transport.send(GET);
  t.equal(transport.take(), ok(), 'the second request is held at the boundary, for whoever serves next');
  transport.refuseRelease = true;
  transport.drainQueue();
  t.same(carried(), []);
  t.equal(transport.take(), ok('close'), 'then answered here, as a drain answers');
});

t.test('retiring: one that cannot be let go (net.Socket still writing) stays, and closes after its next answer', async (t) => {
  const { transport, connection, carried } = setup();
  transport.send(GET);
  transport.take();
  transport.refuseRelease = true;
  connection.moveAtBoundary();
  t.same(carried(), []);
  transport.send(GET);
  t.equal(transport.take(), ok('close'), 'answered as a drain answers');
  t.ok(transport.ended);
});

t.test('arriving: the moved connection goes on from its bytes, on its old deadline', async (t) => {
  const from = 1_000_000;
  const moved = { bytes: Buffer.from(`${GET}GET /3 HT`, 'latin1').toString('base64'), deadline: from + 500, headStartedAt: 0, movedAt: from, from: 2 };
  const { transport, wait } = setup({}, moved);
  t.equal(transport.take(), ok(), 'the pipelined request it carried is answered at once');
  transport.send('TP/1.1\r\nHost: x\r\n\r\n');
  t.equal(transport.take(), ok(), 'and the half-arrived one once the rest comes');
  const idle = setup({}, { ...moved, bytes: '' });
  idle.wait(499);
  t.notOk(idle.transport.closed);
  idle.wait(1);
  t.ok(idle.transport.closed, 'no fresh lease on life: closed at the deadline it had before the move');
  const head = setup({}, { ...moved, bytes: Buffer.from('GET / HT', 'latin1').toString('base64'), deadline: from + 300, headStartedAt: from - 700 });
  head.wait(299);
  t.equal(head.transport.written, '');
  head.wait(1);
  t.equal(head.transport.take(), failure(408, 'Request Timeout'), 'a head that began before the move times out as it would have');
  wait(0);
});

t.test('GET /work?us=N burns N microseconds before its answer, the same 200 as any other request', async (t) => {
  const { transport, counts, spins } = setup();
  transport.send('GET /work?us=20000 HTTP/1.1\r\nHost: x\r\n\r\nGET /work?us=0 HTTP/1.1\r\nHost: x\r\n\r\n');
  t.same(spins, [20000], 'us=0 burns nothing');
  t.equal(transport.take(), ok() + ok(), 'both answered, in one write, the connection kept');
  t.equal(counts.requests, 2);
  transport.send(`GET /work?us=${MAX_WORK_US}&x=1 HTTP/1.1\r\nHost: x\r\n\r\n`);
  t.same(spins, [20000, MAX_WORK_US], 'the cap itself is allowed, and other parameters are ignored');
});

for (const target of ['/work', '/work?', '/work?us=', '/work?us=-1', '/work?us=1.5', '/work?us=abc', '/work?us=1e3', '/work?us=%2B5',
  `/work?us=${MAX_WORK_US + 1}`, '/work?us=9999999999', '/work?us=1&us=2']) {
  t.test(`GET ${target} is refused with 400 and a closed connection, never a spin`, async (t) => {
    const { transport, counts, spins } = setup();
    transport.send(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
    t.same(spins, []);
    t.equal(transport.take(), failure(400, 'Bad Request'));
    t.ok(transport.ended, 'FIN after the 400, and what the client still sends is read and dropped');
    t.equal(counts.requests, 0);
  });
}

t.test('only the path /work burns: /worker, /work/x and /x?us=5 are ordinary requests', async (t) => {
  const { transport, spins } = setup();
  for (const target of ['/worker?us=5', '/work/x?us=5', '/x?us=5']) transport.send(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
  t.same(spins, []);
  t.equal(transport.take(), ok() + ok() + ok());
});

t.test('burn() spins on the clock for at least the time asked, and returns', async (t) => {
  const started = performance.now();
  burn(2000);
  t.ok(performance.now() - started >= 2, 'at least 2 ms');
});
