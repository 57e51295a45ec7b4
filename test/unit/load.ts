/**
 * The load tool (tools/measure/load.ts, raw-client.ts) against a server in this process: a kept-alive
 * connection carries every request of its stream, a closing one opens a connection per request, a bad
 * answer and a silent server are failures with their cause, and a mix keeps the expensive requests'
 * latency apart from the cheap ones', per slot. The mix's choice of expensive requests is random-looking
 * and does not follow the request's number modulo the workers.
 */
import net from 'node:net';
import t, { type Test } from 'tap';
import { isExpensive, runLoad } from '../../tools/measure/load';
import { ClientError, RawConnection, readHead } from '../../tools/measure/raw-client';

const answer = (slot: number, body = 'hello', extra = '') =>
  `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\nx-slot: ${slot}\r\n${extra}\r\n${body}`;

/** A server that answers each request head with `respond(target)` (null: never answers); counts connections. */
async function server(t: Test, respond: (target: string) => string | null | Promise<string>) {
  const seen = { connections: 0 };
  const listener = net.createServer((socket) => {
    seen.connections++;
    let buffered = '';
    socket.on('data', async (chunk) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end !== -1; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        const text = await respond(head.split(' ')[1]!);
        if (text === null) continue;
        if (/connection: close/i.test(head)) socket.end(text);
        else socket.write(text);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => listener.close(() => resolve())));
  return { port: (listener.address() as net.AddressInfo).port, seen, listener };
}

t.test('the mix: about `fraction` of the requests, the same ones every run, not every n-th', async (t) => {
  const picked = Array.from({ length: 100_000 }, (_, index) => isExpensive(index, 0.05));
  const count = picked.filter(Boolean).length;
  t.ok(count > 4800 && count < 5200, `${count} of 100000 at 5%`);
  const byWorker = [0, 1, 2, 3].map((mod) => picked.filter((expensive, index) => expensive && index % 4 === mod).length);
  t.ok(byWorker.every((each) => each > 1100 && each < 1400), `spread over index mod 4: ${byWorker.join(' / ')}`);
  t.same(picked.slice(0, 1000), Array.from({ length: 1000 }, (_, index) => isExpensive(index, 0.05)), 'the same every time');
  t.notOk(isExpensive(7, 0));
  t.ok(isExpensive(7, 1));
});

t.test('readHead: the status, the slot, the whole length; null until the head is all there', async (t) => {
  t.equal(readHead('HTTP/1.1 200 OK\r\nx-slot: 2\r\n'), null);
  t.same(readHead(answer(2)), { answer: { status: 200, slot: 2, bodyBytes: 5 }, length: answer(2).length, closes: false });
  t.match(readHead(answer(1, 'x', 'connection: close\r\n')), { closes: true });
  t.same(readHead('HTTP/1.0 400 Bad\r\n\r\n'), { answer: { status: 400, slot: NaN, bodyBytes: 0 }, length: null, closes: false }, 'no length: to the FIN');
  t.throws(() => readHead('SSH-2.0\r\n\r\n'), { code: 'EBADANSWER' });
});

t.test('kept alive: one connection carries every request; closing: one connection per request', async (t) => {
  const { port, seen } = await server(t, () => answer(3));
  const kept = new RawConnection('127.0.0.1', port, true, 5000);
  for (let at = 0; at < 3; at++) t.same(await kept.ask('/'), { status: 200, slot: 3, bodyBytes: 5 });
  kept.close();
  t.equal(seen.connections, 1);
  const closing = new RawConnection('127.0.0.1', port, false, 5000);
  for (let at = 0; at < 3; at++) t.same(await closing.ask('/'), { status: 200, slot: 3, bodyBytes: 5 });
  t.equal(seen.connections, 4, 'three more, one per request');
});

t.test('failures carry their cause: a bad length, a silent server, a refused connect', async (t) => {
  const { port, listener } = await server(t, (target) => (target === '/short' ? 'HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nabc' : null));
  const closing = new RawConnection('127.0.0.1', port, false, 5000);
  await t.rejects(closing.ask('/short'), { code: 'EBADANSWER', message: /closed after/ }, 'a body shorter than announced');
  const started = Date.now();
  const silent = new RawConnection('127.0.0.1', port, true, 200);
  await t.rejects(silent.ask('/'), new ClientError('ETIMEDOUT', 'no answer in 200 ms'));
  t.ok(Date.now() - started >= 200, 'never before the timeout');
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  await t.rejects(new RawConnection('127.0.0.1', port, false, 5000).ask('/'), { code: 'ECONNREFUSED' });
});

/**
 * At least `ms` of real time. A timer counts in the whole milliseconds of libuv's loop clock (Node's
 * insert() in lib/internal/timers.js starts it at getLibuvNow(); libuv's uv__update_time truncates
 * hrtime to ms), so a 30 ms setTimeout can end up to a millisecond early: 29.95 ms after it was set.
 */
async function atLeast(ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) await new Promise((resolve) => setTimeout(resolve, end - performance.now()));
}

t.test('runLoad with a mix: the expensive requests\' latency apart from the cheap ones\', per slot', async (t) => {
  const { port } = await server(t, async (target) => {
    if (target.startsWith('/work')) await atLeast(30);
    return answer(target.startsWith('/work') ? 1 : 0);
  });
  const run = await runLoad({ url: new URL(`http://127.0.0.1:${port}/`), requests: 400, concurrency: 4, keepAlive: true,
    mix: { fraction: 0.1, path: '/work?us=30000' } });
  t.equal(run.failed, 0);
  t.equal(run.cheap.all.count + run.expensive!.all.count, 400);
  t.same(Object.keys(run.cheap.bySlot), ['0'], 'cheap answers came from slot 0');
  t.same(Object.keys(run.expensive!.bySlot), ['1']);
  t.ok(run.expensive!.all.p50 >= 30, `expensive p50 ${run.expensive!.all.p50} ms >= 30`);
  t.ok(run.cheap.all.p50 < 30, `cheap p50 ${run.cheap.all.p50} ms < 30`);
  t.ok(run.cheap.all.p99 <= run.cheap.all.p999 && run.cheap.all.p999 <= run.cheap.all.max, 'percentiles in order, none above the max');
  t.equal(run.cheapPerSecond, run.cheap.all.count / run.seconds);
});
