/**
 * The parser fuzzed (tools/fuzz/http.ts): generated and mutated requests, the kit's verdict beside
 * llhttp's, every divergence one of the listed deliberate differences, and no input that makes the kit
 * throw. Then the responder: whatever the read boundaries, the same bytes come out. A few thousand inputs
 * here, in seconds; `npm run fuzz` runs a million (notes/testing.md has the figure).
 */
import fc from 'fast-check';
import t from 'tap';
import { Responder } from '../../lib/http/responder';
import { compare, DIFFERENCES, explain, inputs, ours, PROBE, request, theirs, type Difference } from '../../tools/fuzz/http';
import { FakeClock, FakeTransport } from '../helpers/fake-transport';

/** Runs per property: enough to meet most listed differences, quick enough for the unit lane. */
const RUNS = 3000;
/**
 * The same inputs every run, so the suite answers the same way twice; `npm run fuzz` explores from a
 * new seed each time, a million inputs at a go.
 */
const SEED = 2026;

t.test('the kit and llhttp agree on every generated request, or differ as listed; the kit never throws', async (t) => {
  const met = new Map<Difference, number>();
  fc.assert(fc.property(inputs, (input) => {
    const kit = ours(input);
    const llhttp = theirs(input);
    if (compare(kit, llhttp) === null) return true;
    const why = explain(input, kit, llhttp);
    if (why) met.set(why, (met.get(why) ?? 0) + 1);
    return why !== null;
  }), { numRuns: RUNS, seed: SEED });
  t.pass(`${RUNS} inputs; listed differences met: ${[...met].map(([name, count]) => `${name} ${count}`).join(', ')}`);
});

/** One input per listed difference: each is real (the verdicts differ) and recognised as itself. */
const EXAMPLES: Record<Difference, string> = {
  host: 'GET / HTTP/1.1\r\n\r\n',
  spaces: 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n',
  http09: 'GET /\r\n\r\n',
  http2: 'GET / HTTP/2.0\r\nHost: a\r\n\r\n',
  'minor-version': 'GET / HTTP/1.2\r\nHost: a\r\n\r\n',
  'bare-cr': '\rGET / HTTP/1.1\r\nHost: a\r\n\r\n',
  'bare-lf': 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx\n',
  asterisk: 'OPTIONS *x HTTP/1.1\r\nHost: a\r\n\r\n',
  'empty-host': 'GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n',
  'absolute-host': 'GET http://a[>b HTTP/1.1\r\nHost: a\r\n\r\n',
  connect: 'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n',
  upgrade: 'GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n',
  'te-in-1.0': 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'te-not-chunked': 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n',
  'te-codings': 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
  'te-and-length': 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\nContent-Length: 0\r\n\r\n',
  'length-digits': 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1234567890123456\r\n\r\n',
  'chunk-digits': 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n00000000000005\r\nhello\r\n0\r\n\r\n',
  'connection-htab': 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\t, keep-alive\r\n\r\n',
};

/**
 * llhttp 9.4 (Node 24 and 26; Node 20 has 9.3) refuses a Transfer-Encoding whose last coding is not
 * chunked and one beside Content-Length, and reads `close\t` as close: there the kit and llhttp agree.
 */
const [llhttpMajor = 0, llhttpMinor = 0] = (process.versions.llhttp ?? '').split('.').map(Number);
const LLHTTP_AGREES = new Set<string>(llhttpMajor > 9 || (llhttpMajor === 9 && llhttpMinor >= 4)
  ? ['te-not-chunked', 'te-and-length', 'connection-htab'] : []);

t.test('every listed difference is real, and recognised as itself', async (t) => {
  t.same(Object.keys(EXAMPLES).sort(), Object.keys(DIFFERENCES).sort(), 'an example for each');
  for (const [name, text] of Object.entries(EXAMPLES)) {
    const input = Buffer.from(text + PROBE, 'latin1');
    const kit = ours(input);
    const llhttp = theirs(input);
    if (LLHTTP_AGREES.has(name)) {
      t.equal(compare(kit, llhttp), null, `${name}: llhttp ${process.versions.llhttp} answers as the kit does`);
      continue;
    }
    t.not(compare(kit, llhttp), null, `${name}: the verdicts differ`);
    t.equal(explain(input, kit, llhttp), name, `${name}: and that is why`);
  }
  // What the long runs found besides: the same differences, met from another side.
  const more: Array<[Difference, string]> = [
    ['absolute-host', 'GET http://]/b HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['bare-cr', '\r\n\rGET / HTTP/1.1\r\nHost: a\r\n\r\n'],
  ];
  for (const [name, text] of more) {
    const input = Buffer.from(text + PROBE, 'latin1');
    t.equal(explain(input, ours(input), theirs(input)), name, `${JSON.stringify(text.slice(0, 20))}: ${name}`);
  }
  const agreed = Buffer.from(`GET / HTTP/1.1\r\nHost: a\r\n\r\n${PROBE}`, 'latin1');
  t.equal(compare(ours(agreed), theirs(agreed)), null, 'a plain request: the same verdict');
  t.equal(explain(agreed, ours(agreed), { kind: 'reject', why: 'made up' }), null, 'a divergence nobody listed is explained by nothing');
});

/**
 * What a responder writes for `input` delivered in the given pieces, and whether it has ended the
 * connection. How it ends may differ: a client that asked to close and sent nothing more in that read is
 * closed at once, one whose next bytes came in the same read gets the staged close.
 */
function served(input: string, cuts: number[]): string {
  const transport = new FakeTransport();
  const clock = new FakeClock();
  new Responder({ slot: 0, headTimeoutMs: 1000, idleTimeoutMs: 5000 }, { requestServed() {}, connectionClosed() {}, connectionGiven() {} }, clock.now).serve(transport);
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    if (transport.closed) break;
    transport.send(input.slice(from, cut));
    from = cut;
  }
  return `${transport.written}|${transport.open}`;
}

t.test('the responder writes the same bytes whatever the read boundaries, and never throws', async (t) => {
  const pipelined = fc.array(request, { minLength: 1, maxLength: 3 }).map((requests) => requests.join(''));
  fc.assert(fc.property(pipelined, fc.array(fc.nat(), { maxLength: 4 }), (input, points) => {
    const cuts = [...new Set(points.map((point) => point % (input.length + 1)))].sort((a, b) => a - b);
    return served(input, cuts) === served(input, []);
  }), { numRuns: RUNS / 3, seed: SEED });
  const bytewise = 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.0\r\n\r\n';
  t.equal(served(bytewise, Array.from({ length: bytewise.length }, (_, at) => at)), served(bytewise, []), 'split at every byte');
});
