/**
 * The HTTP head parser and the body skipper (lib/http/head.ts, body.ts) with hand-picked inputs: every
 * rule that closes a way for one request to be read as two. test/unit/fuzz.ts throws generated ones at
 * them, beside llhttp.
 */
import http from 'node:http';
import t from 'tap';
import { bodySkipper, MalformedBodyError } from '../../lib/http/body';
import { HEAD_LIMIT, type HeadResult, METHODS, parseRequestHead } from '../../lib/http/head';

const parse = (text: string): HeadResult => parseRequestHead(text);
const status = (text: string) => {
  const result = parse(text);
  return result.kind === 'error' ? result.status : result.kind;
};
const head = (text: string) => {
  const result = parse(text);
  if (result.kind !== 'head') throw new Error(`expected a head, got ${JSON.stringify(result)}`);
  return result;
};

t.test('a complete head reports its exact length and fields', async (t) => {
  const text = 'GET /path?q=1 HTTP/1.1\r\nHost: a\r\nX-Thing:  spaced  \r\n\r\nNEXT';
  const result = head(text);
  t.equal(result.length, text.length - 'NEXT'.length);
  t.same(result.head, { method: 'GET', target: '/path?q=1', minorVersion: 1, keepAlive: true, body: { kind: 'none' } });
});

t.test('keep-alive follows the version and the Connection tokens', async (t) => {
  t.equal(head('GET / HTTP/1.1\r\nHost: a\r\n\r\n').head.keepAlive, true);
  t.equal(head('GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n').head.keepAlive, false);
  t.equal(head('GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade, close\r\n\r\n').head.keepAlive, false);
  t.equal(head('GET / HTTP/1.0\r\n\r\n').head.keepAlive, false);
  t.equal(head('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n').head.keepAlive, true);
  t.equal(head('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n').head.minorVersion, 0);
  t.equal(head('GET / HTTP/1.9\r\nHost: a\r\n\r\n').head.minorVersion, 1, 'a later 1.x is answered as 1.1');
});

t.test('leading empty lines are skipped and counted', async (t) => {
  const result = head('\r\n\r\nGET / HTTP/1.0\r\n\r\n');
  t.equal(result.length, 4 + 18);
});

t.test('an unfinished head is incomplete until the limit, then 431', async (t) => {
  t.equal(status(''), 'incomplete');
  t.equal(status('GET / HTTP/1.1\r\nHost: a\r\n'), 'incomplete');
  t.equal(status('GET / HTTP/1.1\r\nHost: a\r\n\r'), 'incomplete');
  const big = `GET / HTTP/1.1\r\nHost: a\r\nX: ${'a'.repeat(HEAD_LIMIT)}`;
  t.equal(status(big), 431);
  t.equal(status(`${big}\r\n\r\n`), 431, 'complete but over the limit');
  const exact = `GET / HTTP/1.1\r\nHost: a\r\nX: `;
  const fits = `${exact}${'a'.repeat(HEAD_LIMIT - exact.length - 4)}\r\n\r\n`;
  t.equal(fits.length, HEAD_LIMIT);
  t.equal(status(fits), 'head', 'exactly HEAD_LIMIT bytes is allowed');
});

t.test('malformed request lines get 400, other major versions 505', async (t) => {
  for (const line of ['GET /', 'GET  / HTTP/1.1', 'GET / HTTP/1.1 extra', 'G(T / HTTP/1.1', 'GET /\x00 HTTP/1.1',
    'GET / HTTP/1', 'GET / http/1.1', 'GET / HTTP/1.1\r']) {
    t.equal(status(`${line}\r\nHost: a\r\n\r\n`), 400, JSON.stringify(line));
  }
  t.equal(status('GET / HTTP/2.0\r\nHost: a\r\n\r\n'), 505);
  t.equal(status('GET / HTTP/0.9\r\nHost: a\r\n\r\n'), 505);
});

t.test('bare LF anywhere in the head gets 400', async (t) => {
  t.equal(status('GET / HTTP/1.1\nHost: a\r\n\r\n'), 400);
  t.equal(status('GET / HTTP/1.1\r\nHost: a\n\r\n'), 400);
  t.equal(status('GET / HTTP/1.1\r\nHost: a\r\n\n'), 400);
  t.equal(status('\nGET / HTTP/1.1\r\nHost: a\r\n\r\n'), 400);
});

t.test('malformed header fields get 400', async (t) => {
  const cases = {
    'space before colon': 'Host : a',
    'no colon': 'Host a',
    'no colon, a name alone': 'Connection',
    'empty name': ': a',
    'obs-fold': 'X: a\r\n  folded',
    'NUL in value': 'X: a\x00b',
    'CR in value': 'X: a\rb',
    'control in value': 'X: a\x01',
    'bad name character': 'X(y): a',
  };
  for (const [name, field] of Object.entries(cases)) {
    t.equal(status(`GET / HTTP/1.1\r\nHost: a\r\n${field}\r\n\r\n`), 400, name);
  }
  t.equal(status('GET / HTTP/1.1\r\nHost: a\r\nX: caf\xe9\r\n\r\n'), 'head', 'obs-text is allowed');
});

t.test('Host: exactly one in HTTP/1.1, at most one in HTTP/1.0', async (t) => {
  t.equal(status('GET / HTTP/1.1\r\n\r\n'), 400);
  t.equal(status('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'), 400);
  t.equal(status('GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n'), 400);
  t.equal(status('GET / HTTP/1.0\r\nHost: a\r\n\r\n'), 'head');
});

t.test('body framing', async (t) => {
  t.same(head('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n').head.body, { kind: 'length', length: 5 });
  t.same(head('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n').head.body, { kind: 'none' });
  t.same(head('POST / HTTP/1.1\r\nHost: a\r\nContent-Length:   5\t \t\r\n\r\n').head.body, { kind: 'length', length: 5 },
    'optional white space, SP and HTAB, however much of it, on both sides');
  t.equal(status('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n'), 400,
    'two equal lengths: refused, as llhttp refuses them (RFC 9110 §8.6 allows either)');
  t.equal(status('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n'), 400);
  t.equal(status('CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n'), 501, 'CONNECT: no tunnel is opened here');
  t.same(head('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n').head.body, { kind: 'chunked' });
  t.equal(status('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n'), 400);
  t.equal(status('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n'), 400);
  t.equal(status('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1e3\r\n\r\n'), 400);
  t.equal(status('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1234567890123456\r\n\r\n'), 400);
  t.equal(status('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n'), 400);
  t.equal(status('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n'), 400,
    'Content-Length and Transfer-Encoding together');
  t.equal(status('POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n'), 400, 'Transfer-Encoding in HTTP/1.0');
  t.equal(status('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n'), 400, 'chunked not final');
  t.equal(status('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n'), 400, 'empty Transfer-Encoding');
  t.equal(status('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'), 501);
});

t.test('every error says what was wrong', async (t) => {
  const reason = (text: string) => {
    const result = parse(text);
    return result.kind === 'error' ? `${result.status} ${result.reason}` : result.kind;
  };
  const cases: Array<[string, string]> = [
    ['GET / HTTP/1.1\nHost: a\r\n\r\n', '400 bare LF in request head'],
    [`GET / HTTP/1.1\r\nX: ${'a'.repeat(HEAD_LIMIT)}`, '431 request head too large'],
    ['GET /\r\nHost: a\r\n\r\n', '400 malformed request line'],
    ['G(T / HTTP/1.1\r\nHost: a\r\n\r\n', '400 malformed method'],
    ['GET \x01/x HTTP/1.1\r\nHost: a\r\n\r\n', '400 malformed request target'],
    ['GET / XHTTP/1.1\r\nHost: a\r\n\r\n', '400 malformed HTTP version'],
    ['GET / HTTP/2.0\r\nHost: a\r\n\r\n', '505 HTTP version not supported'],
    ['GET / HTTP/1.1\r\nHost: a\r\nX : b\r\n\r\n', '400 malformed header field'],
    ['GET / HTTP/1.1\r\nHost: a\r\nX: a\x01\r\n\r\n', '400 invalid character in header value'],
    ['GET / HTTP/1.1\r\n\r\n', '400 missing or repeated Host'],
    ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', '400 both Content-Length and Transfer-Encoding'],
    ['POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', '400 Transfer-Encoding in an HTTP/1.0 request'],
    ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n', '400 chunked is not the final transfer coding'],
    ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', '501 transfer coding not implemented'],
    ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n', '400 invalid Content-Length'],
    ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n', '400 invalid Content-Length'],
    ['FOO / HTTP/1.1\r\nHost: a\r\n\r\n', '501 method not implemented'],
  ];
  for (const [text, expected] of cases) t.equal(reason(text), expected, JSON.stringify(text.slice(0, 30)));
});

t.test('the anchors: a target or version with junk in front is refused, not found inside', async (t) => {
  t.equal(status('GET \x01/x HTTP/1.1\r\nHost: a\r\n\r\n'), 400);
  t.equal(status('GET / XHTTP/1.1\r\nHost: a\r\n\r\n'), 400);
  t.same(head('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n').head.body, { kind: 'length', length: 12 }, 'a length of two digits');
});

t.test('the limit, to the byte: a line feed at index HEAD_LIMIT is past it, and HEAD_LIMIT bytes without an end are not yet', async (t) => {
  const prefix = 'GET / HTTP/1.1\r\nHost: a\r\nX: ';
  const overByOne = `${prefix}${'a'.repeat(HEAD_LIMIT - prefix.length - 3)}\r\n\r\n`;
  t.equal(overByOne.lastIndexOf('\n'), HEAD_LIMIT, 'the head\'s last line feed is the byte after the limit');
  t.equal(status(overByOne), 431);
  t.equal(status(`${prefix}${'a'.repeat(HEAD_LIMIT - prefix.length)}`), 'incomplete', 'exactly HEAD_LIMIT bytes, no end yet');
});

t.test('list headers ignore empty elements (RFC 9110 §5.6.1)', async (t) => {
  t.same(head('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, \r\n\r\n').head.body, { kind: 'chunked' });
  t.equal(head('GET / HTTP/1.1\r\nHost: a\r\nConnection: , close\r\n\r\n').head.keepAlive, false);
});

const bytes = (text: string) => Buffer.from(text, 'latin1');

t.test('no body, no skipper', async (t) => {
  t.equal(bodySkipper({ kind: 'none' }), null);
});

t.test('Content-Length: ends exactly after the length, across chunks', async (t) => {
  const skipper = bodySkipper({ kind: 'length', length: 10 })!;
  t.equal(skipper.skip(bytes('xxHELLO'), 2), -1, '5 of 10');
  t.equal(skipper.skip(bytes('WORLDGET'), 0), 5, 'the rest ends at 5');
  t.equal(bodySkipper({ kind: 'length', length: 3 })!.skip(bytes('abc'), 0), 3, 'ends at the end of the input');
});

t.test('chunked: a whole body in one piece', async (t) => {
  const body = '5\r\nhello\r\n6 ;ext=1\r\n world\r\n0\r\n\r\nGET /';
  t.equal(bodySkipper({ kind: 'chunked' })!.skip(bytes(body), 0), body.length - 'GET /'.length);
});

t.test('chunked: byte by byte, with trailers', async (t) => {
  const body = 'A\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n';
  const skipper = bodySkipper({ kind: 'chunked' })!;
  for (let at = 0; at < body.length - 1; at++) t.equal(skipper.skip(bytes(body[at]!), 0), -1);
  t.equal(skipper.skip(bytes(body.at(-1)!), 0), 1);
});

t.test('chunked: a request inside a chunk is data, not a request', async (t) => {
  const smuggled = 'GET /admin HTTP/1.1\r\nHost: a\r\n\r\n';
  const body = `${smuggled.length.toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`;
  t.equal(bodySkipper({ kind: 'chunked' })!.skip(bytes(body), 0), body.length);
});

t.test('chunked: malformed framing throws, and says what was wrong', async (t) => {
  const bad: Array<[string, string]> = [
    ['zz\r\nhello\r\n', 'malformed chunk size'],
    ['2\r\nhello\r\n', 'chunk data longer than its size'],
    ['5\nhello\r\n', 'bare LF in chunked body'],
    ['5\r\nhello\n', 'bare LF in chunked body'],
    [`${'f'.repeat(13)}\r\n`, 'malformed chunk size'],
    [`5;${'e'.repeat(5000)}`, 'chunk line too long'],
    ['5 \r\nhello\r\n', 'malformed chunk size'],
    ['0\r\nNoColon\r\n\r\n', 'trailer: malformed header field'],
    ['0\r\n folded: x\r\n\r\n', 'trailer: malformed header field'],
    ['0\r\nX: a\x01b\r\n\r\n', 'trailer: invalid character in header value'],
    ['0\r\n\rGET / HTTP/1.1\r\n', 'trailer: malformed header field'],
  ];
  for (const [body, message] of bad) {
    t.throws(() => bodySkipper({ kind: 'chunked' })!.skip(bytes(body), 0), { name: MalformedBodyError.name, message }, JSON.stringify(body.slice(0, 20)));
  }
});

t.test('chunked: a size line of exactly the limit (4096 bytes with its CRLF) is allowed, one more is not', async (t) => {
  const line = (length: number) => `5;${'e'.repeat(length - 4)}\r\n`;
  t.equal(line(4096).length, 4096);
  t.equal(bodySkipper({ kind: 'chunked' })!.skip(bytes(`${line(4096)}hello\r\n0\r\n\r\n`), 0), 4096 + 7 + 5);
  t.throws(() => bodySkipper({ kind: 'chunked' })!.skip(bytes(line(4097)), 0), { message: 'chunk line too long' });
});

t.test('chunked: chunk data split across reads is counted across them', async (t) => {
  const skipper = bodySkipper({ kind: 'chunked' })!;
  t.equal(skipper.skip(bytes('xxA\r\n0123'), 2), -1, 'four of ten data bytes, after an offset');
  t.equal(skipper.skip(bytes('456'), 0), -1, 'seven of ten');
  t.equal(skipper.skip(bytes('789\r\n0\r\n\r\nGET'), 0), 10, 'the rest, then the end of the body');
});

t.test('methods: the ones llhttp knows are recognized; another token gets 501, CONNECT too (no tunnel here)', async (t) => {
  t.same([...METHODS].sort(), [...http.METHODS].sort(), 'the same list as Node\'s http.METHODS');
  t.equal(status('FOO / HTTP/1.1\r\nHost: a\r\n\r\n'), 501);
  t.equal(status('get / HTTP/1.1\r\nHost: a\r\n\r\n'), 501, 'methods are case-sensitive');
  t.equal(head('M-SEARCH * HTTP/1.1\r\nHost: a\r\n\r\n').head.method, 'M-SEARCH');
  t.equal(status('CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n'), 501);
});
