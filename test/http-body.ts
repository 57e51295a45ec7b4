import t from 'tap';
import { bodySkipper, MalformedBodyError } from '../lib/http/body';

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
  const body = '5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\nGET /';
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
