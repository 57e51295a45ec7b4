/**
 * lib/http/head.ts — reads an HTTP/1.x request head, strictly (RFC 9112).
 *
 * The kit hand-writes its HTTP because the bytes on the wire are part of what it shows. Hand-written
 * does not mean lax: every rule below closes a way for one request to be read as two (request
 * smuggling) or for a client to make a worker buffer without bound. The parser is a pure function over
 * the bytes received so far, so it is tested without sockets (test/unit/http.ts).
 */

/**
 * The largest request head we buffer. nginx's `large_client_header_buffers` default is 8k per line;
 * Node's own limit is 16 KiB (`--max-http-header-size`). A head over this gets 431 and a closed connection.
 */
export const HEAD_LIMIT = 8 * 1024;

export type BodyFraming = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' };

export interface RequestHead {
  method: string;
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1 (a later 1.x is answered as 1.1, RFC 9110 §6.2). */
  minorVersion: 0 | 1;
  /** Whether the connection stays open after the response: HTTP/1.1 by default, HTTP/1.0 if asked. */
  keepAlive: boolean;
  body: BodyFraming;
}

export type HeadResult =
  | { kind: 'incomplete' }
  | { kind: 'error'; status: 400 | 431 | 501 | 505; reason: string }
  | { kind: 'head'; head: RequestHead; length: number };

const INCOMPLETE: HeadResult = { kind: 'incomplete' };
/**
 * The methods this server recognizes: the ones llhttp knows (Node's `http.METHODS`, the same 35 on Node
 * 20, 24 and 26). Another token is a method nobody here implements: 501 (RFC 9110 §9.1).
 */
export const METHODS: ReadonlySet<string> = new Set(['ACL', 'BIND', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD',
  'LINK', 'LOCK', 'M-SEARCH', 'MERGE', 'MKACTIVITY', 'MKCALENDAR', 'MKCOL', 'MOVE', 'NOTIFY', 'OPTIONS', 'PATCH', 'POST',
  'PROPFIND', 'PROPPATCH', 'PURGE', 'PUT', 'QUERY', 'REBIND', 'REPORT', 'SEARCH', 'SOURCE', 'SUBSCRIBE', 'TRACE', 'UNBIND',
  'UNLINK', 'UNLOCK', 'UNSUBSCRIBE']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * A request-target in one of the forms a server takes (RFC 9112 §3.2): origin-form (`/path?query`),
 * absolute-form (`http://host/path`: a scheme of letters, then a host that is not empty and starts as RFC 3986
 * §3.2.2 lets a host start; RFC 9110 §4.2.1) or asterisk-form
 * (`*`), in visible ASCII. Authority-form (`host:port`) belongs to CONNECT, which this server does not do.
 */
const REQUEST_TARGET = /^(\/[\x21-\x7e]*|[A-Za-z]+:\/\/[\w\-.~%!$&'()*+,;=[][\x21-\x7e]*|\*)$/;
/** Optional white space around a field value (RFC 9110 §5.6.3): SP and HTAB, nothing else. */
const OWS = /^[ \t]+|[ \t]+$/g;
const VERSION = /^HTTP\/(\d)\.(\d)$/;
/** Field values: visible ASCII, obs-text, and space or tab inside; never NUL, CR, LF or other controls. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const DIGITS = /^\d{1,15}$/;

function fail(status: 400 | 431 | 501 | 505, reason: string): HeadResult {
  return { kind: 'error', status, reason };
}

/**
 * Parses the head at the start of `text` (bytes decoded as latin1, one char per byte). Returns
 * `incomplete` until the blank line that ends the head has arrived, and 431 as soon as more than
 * HEAD_LIMIT bytes have arrived without one.
 */
export function parseRequestHead(text: string): HeadResult {
  // RFC 9112 §2.2: a server SHOULD ignore empty lines before the request line (some clients send a
  // CRLF after a POST body).
  let start = 0;
  while (text.startsWith('\r\n', start)) start += 2;
  const lines: string[] = [];
  let lineStart = start;
  let lf: number;
  while ((lf = text.indexOf('\n', lineStart)) !== -1 && lf < HEAD_LIMIT) {
    // A bare LF is where two parsers may disagree on where a line ends: refuse it (RFC 9112 §2.2).
    if (text.charCodeAt(lf - 1) !== 13) return fail(400, 'bare LF in request head');
    const line = text.slice(lineStart, lf - 1);
    lineStart = lf + 1;
    if (line === '') return parseLines(lines, lineStart);
    lines.push(line);
  }
  return text.length > HEAD_LIMIT ? fail(431, 'request head too large') : INCOMPLETE;
}

function parseLines(lines: string[], length: number): HeadResult {
  // Never empty: parseRequestHead skipped the empty lines before the request line.
  const [requestLine, ...fieldLines] = lines as [string, ...string[]];
  const parts = requestLine.split(' ');
  if (parts.length !== 3) return fail(400, 'malformed request line');
  const [method, target, version] = parts as [string, string, string];
  if (!TOKEN.test(method)) return fail(400, 'malformed method');
  if (!METHODS.has(method)) return fail(501, 'method not implemented');
  // A 2xx answer to CONNECT tells the client its tunnel is open (RFC 9110 §9.3.6): this server opens none.
  if (method === 'CONNECT') return fail(501, 'CONNECT not implemented');
  if (!REQUEST_TARGET.test(target)) return fail(400, 'malformed request target');
  const versionMatch = VERSION.exec(version);
  if (!versionMatch) return fail(400, 'malformed HTTP version');
  if (versionMatch[1] !== '1') return fail(505, 'HTTP version not supported');
  const minorVersion = versionMatch[2] === '0' ? 0 : 1;

  const fields = parseFields(fieldLines);
  if (typeof fields === 'string') return fail(400, fields);
  return framing(method, target, minorVersion, fields, length);
}

/** Lower-cased field name → every value it was sent with, in order. */
type Fields = Map<string, string[]>;

/**
 * What is wrong with a field line (RFC 9112 §5: `name ":" OWS value OWS`), or null: in a head, and in a
 * chunked body's trailer section, which is made of the same lines (§7.1.2).
 */
export function fieldLineProblem(line: string): string | null {
  const colon = line.indexOf(':');
  // Covers obs-fold (a line that starts with white space) and "Name : value": both are 400 (§5.1-5.2).
  if (colon === -1 || !TOKEN.test(line.slice(0, colon))) return 'malformed header field';
  if (!FIELD_VALUE.test(line.slice(colon + 1))) return 'invalid character in header value';
  return null;
}

function parseFields(fieldLines: string[]): Fields | string {
  const fields: Fields = new Map();
  for (const line of fieldLines) {
    const problem = fieldLineProblem(line);
    if (problem) return problem;
    const colon = line.indexOf(':');
    const value = line.slice(colon + 1).replace(OWS, '');
    const name = line.slice(0, colon).toLowerCase();
    const values = fields.get(name);
    if (values) values.push(value);
    else fields.set(name, [value]);
  }
  return fields;
}

function listTokens(fields: Fields, name: string): string[] {
  const values = fields.get(name) ?? [];
  return values.flatMap((value) => value.split(',')).map((token) => token.replace(OWS, '').toLowerCase()).filter(Boolean);
}

function framing(method: string, target: string, minorVersion: 0 | 1, fields: Fields, length: number): HeadResult {
  const hosts = fields.get('host') ?? [];
  // RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host gets 400.
  if (minorVersion === 1 ? hosts.length !== 1 : hosts.length > 1) return fail(400, 'missing or repeated Host');

  const connection = listTokens(fields, 'connection');
  const keepAlive = minorVersion === 1 ? !connection.includes('close') : connection.includes('keep-alive');
  const head = (body: BodyFraming): HeadResult =>
    ({ kind: 'head', head: { method, target, minorVersion, keepAlive, body }, length });

  const transferCodings = listTokens(fields, 'transfer-encoding');
  const lengths = fields.get('content-length');
  if (fields.has('transfer-encoding')) {
    // Both framings at once is the classic smuggling vector: refuse it (RFC 9112 §6.1).
    if (lengths) return fail(400, 'both Content-Length and Transfer-Encoding');
    if (minorVersion === 0) return fail(400, 'Transfer-Encoding in an HTTP/1.0 request');
    if (transferCodings.at(-1) !== 'chunked') return fail(400, 'chunked is not the final transfer coding');
    if (transferCodings.length > 1) return fail(501, 'transfer coding not implemented');
    return head({ kind: 'chunked' });
  }
  if (!lengths) return head({ kind: 'none' });
  // RFC 9110 §8.6 lets a recipient accept a list of equal values (`5, 5`); llhttp, the parser of Node's
  // http and of many proxies, refuses it, and two parsers that disagree on a body's length are how a
  // request is smuggled. One value, or 400.
  // Each value was trimmed of its OWS (parseFields); a list has more than one, whatever spaces it has.
  const [only, ...more] = lengths.flatMap((value) => value.split(','));
  if (more.length > 0 || only === undefined || !DIGITS.test(only)) return fail(400, 'invalid Content-Length');
  const bodyLength = Number(only);
  return head(bodyLength === 0 ? { kind: 'none' } : { kind: 'length', length: bodyLength });
}
