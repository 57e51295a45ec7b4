/**
 * The hand-written HTTP on real sockets, against a real master with one worker, on both transports (the
 * raw handle and net.Socket): what only a kernel shows. A close after a request, or after an error while
 * the client still sends, is a FIN and never an RST; a client that does not read fills real socket
 * buffers and the worker stops reading; clients that reset mid-response never take the worker down; the
 * timeouts hold on a real clock. Every rule of the responder, byte for byte, is a unit test
 * (test/unit/responder.ts); the models differ only in how a connection reaches the worker, and each
 * one's distribution test (test/process/model-shared.ts and its siblings) answers thousands of requests byte-exact.
 *
 * The timeouts are short so that the subtest about them takes about two seconds; the rest never come
 * near them unless the test process stalls for IDLE_TIMEOUT_MS between two writes.
 */
import { execFileSync } from 'node:child_process';
import t from 'tap';
import { transportNames } from '../../lib/http/transports';
import { startMaster } from '../helpers/master';
import { EVENT_MS, until, within } from '../helpers/wait';
import { Conversation, oneShot } from '../helpers/wire';

const HEAD_TIMEOUT_MS = 1000;
const IDLE_TIMEOUT_MS = 2000;
/** What every keep-alive response announces (lib/http/responses.ts): whole seconds, rounded down. */
const KEEP_ALIVE = `keep-alive: timeout=${Math.floor(IDLE_TIMEOUT_MS / 1000)}\r\n`;

const ok = (connection: 'keep-alive' | 'close' | '' = '', withBody = true) =>
  'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 12\r\nx-slot: 0\r\n' +
  (connection === 'close' ? 'connection: close\r\n' : connection === 'keep-alive' ? `connection: keep-alive\r\n${KEEP_ALIVE}` : KEEP_ALIVE) +
  `\r\n${withBody ? 'hello nodejs' : ''}`;
const failure = (status: number, reason: string) =>
  `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain\r\ncontent-length: ${reason.length + 1}\r\n` +
  `x-slot: 0\r\nconnection: close\r\n\r\n${reason}\n`;
const GET11 = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
const CLOSE11 = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

for (const transport of transportNames) {
  t.test(`HTTP on the wire, --transport ${transport}`, async (t) => {
    const { master, port } = await startMaster(t, ['--workers', '1', '--transport', transport,
      '--head-timeout', String(HEAD_TIMEOUT_MS), '--idle-timeout', String(IDLE_TIMEOUT_MS)]);

    t.test('HTTP/1.1 keeps the connection open, and answers again on it', async (t) => {
      const conversation = await Conversation.open(port);
      t.teardown(() => conversation.close());
      conversation.send(GET11);
      t.equal(String(await conversation.read(ok().length)), ok());
      conversation.send(GET11);
      t.equal(String(await conversation.read(ok().length)), ok());
    });

    t.test('HTTP/1.0 without keep-alive: connection: close, then a clean FIN (no RST)', async (t) => {
      const { data, reset } = await oneShot(port, 'GET / HTTP/1.0\r\n\r\n');
      t.equal(String(data), ok('close'));
      t.equal(reset, false);
    });

    t.test('Connection: close is honoured', async (t) => {
      const { data, reset } = await oneShot(port, CLOSE11);
      t.equal(String(data), ok('close'));
      t.equal(reset, false);
    });

    t.test('pipelined requests are answered in order, and the extra bytes after a close get FIN, not RST', async (t) => {
      const { data, reset } = await oneShot(port, `${GET11}HEAD / HTTP/1.1\r\nHost: x\r\n\r\n${CLOSE11}GET /after-close HTTP/1.1\r\nHost: x\r\n\r\n`);
      t.equal(String(data), ok() + ok('', false) + ok('close'), 'nothing after the request that asked to close');
      t.equal(reset, false, 'the unread request after it is read and dropped, not reset');
    });

    t.test('bad input: the status on the wire, then FIN, never RST, even with the client still sending', async (t) => {
      const cases: Array<[string, string, number, string]> = [
        ['NUL in a header', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n', 400, 'Bad Request'],
        ['Content-Length and Transfer-Encoding, body still coming', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc', 400, 'Bad Request'],
        ['an unknown method', 'FOO / HTTP/1.1\r\nHost: x\r\n\r\n', 501, 'Not Implemented'],
        ['a head over 8 KiB that never ends', `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(20000)}`, 431, 'Request Header Fields Too Large'],
      ];
      for (const [name, request, status, reason] of cases) {
        const { data, reset } = await oneShot(port, request);
        t.equal(String(data), failure(status, reason), name);
        t.equal(reset, false, `${name}: closed with FIN, not RST`);
      }
    });

    t.test('the timeouts: 408 for a head that does not finish, slowloris included; silence closed after the idle timeout', async (t) => {
      // Three connections at once, so the three waits overlap. Each bound is the kit's promise: never
      // before the timeout (lib/http/deadlines.ts checks deadline <= now).
      const began = Date.now();
      const slow = await Conversation.open(port);
      slow.send('GET / HTTP/1.1\r\nHost: x\r\n');
      const loris = await Conversation.open(port);
      loris.send('GET / HTTP/1.1\r\n');
      const drip = setInterval(() => loris.send('X: a\r\n'), HEAD_TIMEOUT_MS / 5);
      t.teardown(() => clearInterval(drip));
      const silent = await Conversation.open(port);
      const closedAt = (conversation: Conversation) => conversation.readToClose().then((end) => ({ ...end, after: Date.now() - began }));
      const [slowEnd, lorisEnd, silentEnd] = await within(Promise.all([closedAt(slow), closedAt(loris), closedAt(silent)]),
        IDLE_TIMEOUT_MS + EVENT_MS, 'the three connections to be closed by the server');
      clearInterval(drip);
      t.equal(String(slowEnd.data), failure(408, 'Request Timeout'));
      t.ok(slowEnd.after >= HEAD_TIMEOUT_MS, `408 after ${slowEnd.after} ms, not before the head timeout (${HEAD_TIMEOUT_MS})`);
      t.equal(String(lorisEnd.data), failure(408, 'Request Timeout'), 'a head that keeps growing has the same deadline');
      t.equal(silentEnd.data.length, 0, 'no response to a connection that said nothing');
      t.equal(silentEnd.reset, false);
      t.ok(silentEnd.after >= IDLE_TIMEOUT_MS, `closed after ${silentEnd.after} ms, not before the idle timeout (${IDLE_TIMEOUT_MS})`);
    });

    t.test('after an error response the server keeps reading: what the client still sends gets no RST', async (t) => {
      const conversation = await Conversation.open(port);
      conversation.send('GET / HTTP/1.1\r\n\r\n');
      t.equal(String(await conversation.read(failure(400, 'Bad Request').length)), failure(400, 'Bad Request'));
      conversation.send('x'.repeat(256 * 1024));
      conversation.socket.end();
      const { data, reset } = await within(conversation.readToClose(), EVENT_MS, 'the server to close after our FIN');
      t.same({ rest: data.length, reset }, { rest: 0, reset: false });
    });

    t.test('backpressure: a client that pipelines and does not read makes the server stop reading, and loses nothing', async (t) => {
      const REQUESTS = 100_000;
      const conversation = await Conversation.open(port);
      t.teardown(() => conversation.close());
      conversation.socket.pause();
      conversation.send(GET11.repeat(REQUESTS));
      // The answers (11 MB) fill the client's receive buffer, which does not grow while nobody reads it
      // (tcp_rcv_space_adjust in net/ipv4/tcp_input.c sizes it by what the application reads), and the
      // server's send buffer (4 MB at most, tcp_wmem). A server that kept reading would still empty its
      // receive queue, since the client has sent everything; one that stopped leaves the rest of the 2.7 MB
      // of requests there, unchanged. A server that is only behind changes it between two looks: so the
      // same non-zero count three looks in a row, 50 ms apart, with answers waiting in the send queue.
      const localPort = conversation.socket.localPort!;
      const serverQueues = () => {
        const [, received, unsent] = execFileSync('ss', ['-tnH', 'dst', `127.0.0.1:${localPort}`], { encoding: 'utf8' }).trim().split(/\s+/);
        return { received: Number(received ?? 0), unsent: Number(unsent ?? 0) };
      };
      const looks: number[] = [];
      await until(() => {
        const { received, unsent } = serverQueues();
        looks.push(unsent > 0 ? received : 0);
        return looks.length >= 3 && looks.slice(-3).every((bytes) => bytes > 0 && bytes === looks.at(-1));
      }, EVENT_MS, 'the server to stop reading: the same unread bytes in its receive queue three looks in a row', 50);
      t.pass(`the server stopped reading: ${looks.at(-1)} bytes wait in its receive queue`);
      conversation.socket.resume();
      const all = await within(conversation.read(REQUESTS * ok().length), EVENT_MS, `${REQUESTS} responses`);
      t.equal(all.toString('latin1'), ok().repeat(REQUESTS), 'every response, in order, once the client reads');
    });

    t.test('clients that reset mid-response never take the worker down', async (t) => {
      for (let round = 0; round < 20; round++) {
        const conversation = await Conversation.open(port);
        conversation.send(GET11.repeat(2000));
        await conversation.read(1);
        conversation.socket.resetAndDestroy();
      }
      t.equal(String((await oneShot(port, CLOSE11)).data), ok('close'), 'still serving');
      t.notMatch(master.stderr.join('\n'), /exited/, 'the worker never died');
    });
  });
}
