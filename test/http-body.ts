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

t.test('chunked: malformed framing throws', async (t) => {
  const bad = {
    'not hex': 'zz\r\nhello\r\n',
    'data longer than its size': '2\r\nhello\r\n',
    'bare LF': '5\nhello\r\n',
    'size too large': `${'f'.repeat(13)}\r\n`,
    'line too long': `5;${'e'.repeat(5000)}`,
  };
  for (const [name, body] of Object.entries(bad)) {
    t.throws(() => bodySkipper({ kind: 'chunked' })!.skip(bytes(body), 0), { name: MalformedBodyError.name }, name);
  }
});
