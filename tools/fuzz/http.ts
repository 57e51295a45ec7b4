/**
 * tools/fuzz/http.ts — the kit's request parser beside llhttp, on generated requests.
 *
 * Requests are made by fast-check from parts that matter to framing (a method, a target, a version, Host,
 * Content-Length, Transfer-Encoding, Connection and Upgrade fields, bodies in either framing, line
 * endings right and wrong, obs-fold, NUL and other control bytes, huge and negative lengths, chunk sizes
 * past 64 bits), then mutated byte by byte. Each input is followed by a probe request, and both parsers
 * say what they make of it (a Verdict): rejected, incomplete, or accepted with a method, a target, a
 * version, keep-alive, whether the body ended, and which request came next. That last one is the
 * framing: two parsers that agree on it agree on where the body ended, which is what request smuggling
 * turns on.
 *
 * Where the kit decides otherwise on purpose, DIFFERENCES names the case and the RFC clause that allows
 * it; `explain` recognises each from the two verdicts. Any other divergence is a finding.
 */
import fc from 'fast-check';
import { parseWithLlhttp } from '../../lib/binding/llhttp';
import { bodySkipper, MalformedBodyError } from '../../lib/http/body';
import { HEAD_LIMIT, parseRequestHead } from '../../lib/http/head';

export type Verdict =
  | { kind: 'reject'; why: string }
  | { kind: 'incomplete' }
  | { kind: 'accept'; method: string; target: string; version: string; keepAlive: boolean; upgrade: boolean;
      /** The body arrived whole and well formed. */
      complete: boolean; next: string | null;
      /** Where the body ended (the kit's verdicts only, for `explain`; not compared). */
      end?: number };

export const PROBE = 'GET /probe HTTP/1.1\r\nHost: p\r\n\r\n';

/** The kit's verdict: head.ts and body.ts, used as the responder uses them. */
export function ours(input: Buffer): Verdict {
  const parsed = parseRequestHead(input.toString('latin1', 0, Math.min(input.length, HEAD_LIMIT + 1)));
  if (parsed.kind === 'incomplete') return { kind: 'incomplete' };
  if (parsed.kind === 'error') return { kind: 'reject', why: parsed.reason };
  const { method, target, minorVersion, keepAlive, body } = parsed.head;
  const accepted = { kind: 'accept', method, target, version: `1.${minorVersion}`, keepAlive, upgrade: false } as const;
  let end = parsed.length;
  try {
    const skipped = bodySkipper(body)?.skip(input, end) ?? end;
    if (skipped === -1) return { ...accepted, complete: false, next: null };
    end = skipped;
  } catch (error) {
    if (!(error instanceof MalformedBodyError)) throw error;
    return { ...accepted, complete: false, next: null };
  }
  const next = keepAlive ? parseRequestHead(input.toString('latin1', end, Math.min(input.length, end + HEAD_LIMIT + 1))) : null;
  return { ...accepted, complete: true, next: next?.kind === 'head' ? next.head.target : null, end };
}

/** llhttp's verdict, strict, as node:http runs it. */
export function theirs(input: Buffer): Verdict {
  const { messages, error } = parseWithLlhttp(input);
  const [first, second] = messages;
  if (!first) return error ? { kind: 'reject', why: error.code } : { kind: 'incomplete' };
  return {
    kind: 'accept', method: first.method, target: first.url, version: `${first.versionMajor}.${first.versionMinor}`,
    keepAlive: first.keepAlive, upgrade: first.upgrade, complete: first.complete, next: second?.complete ? second.url : null,
  };
}

/** What differs between two verdicts, in a few words; null when they agree. */
export function compare(a: Verdict, b: Verdict): string | null {
  if (a.kind !== b.kind) return `${a.kind} against ${b.kind}`;
  if (a.kind !== 'accept' || b.kind !== 'accept') return null;
  for (const field of ['method', 'target', 'version', 'keepAlive', 'upgrade', 'complete', 'next'] as const) {
    if (a[field] !== b[field]) return `${field}: ${JSON.stringify(a[field])} against ${JSON.stringify(b[field])}`;
  }
  return null;
}

/** Where the kit decides otherwise on purpose, and the RFC clause that lets it (notes/testing.md lists them). */
export const DIFFERENCES = {
  host: 'HTTP/1.1 without exactly one Host: 400, as RFC 9112 §3.2 says a server MUST (llhttp leaves it to node:http, which answers 400 too)',
  spaces: 'more than one SP between the parts of the request line: 400; RFC 9112 §3 lets a recipient parse leniently and warns that this is how requests are smuggled',
  http09: 'a request line without a version (HTTP/0.9): 400; the kit speaks HTTP/1.x, whose request-line has one (RFC 9112 §3)',
  http2: 'HTTP/2.0 on an HTTP/1 connection: 505 (RFC 9110 §15.6.6); llhttp reads it as a version it knows',
  'minor-version': 'HTTP/1.2 and later 1.x: answered as 1.1, as RFC 9112 §2.3 says a recipient SHOULD; llhttp knows only 1.0 and 1.1',
  'bare-cr': 'a bare CR before the request line: 400, as RFC 9112 §2.2 allows (a bare CR is invalid); llhttp skips it',
  'bare-lf': 'a bare LF where a line ends: 400; RFC 9112 §2.2 only MAY accept it as a line terminator',
  asterisk: 'a target that starts with * and goes on: 400; asterisk-form is `*` alone (RFC 9112 §3.2.4); llhttp reads it as a path',
  'empty-host': 'an absolute-form target with an empty host (`http:///x`): 400, as RFC 9110 §4.2.1 says a recipient MUST',
  'absolute-host': 'an absolute-form target whose host starts with a character no host starts with (RFC 3986 §3.2.2): 400, where llhttp takes some; past its first character the host is not parsed (every target gets the same answer), where llhttp refuses some',
  connect: 'CONNECT: 501, no tunnel is opened here (RFC 9110 §9.3.6); llhttp hands the connection over as a tunnel',
  upgrade: 'Upgrade: ignored, the request is answered and the connection stays HTTP (RFC 9110 §7.8 MAY); llhttp stops at it',
  'te-in-1.0': 'Transfer-Encoding in an HTTP/1.0 request: 400 (RFC 9112 §6.1: its framing is faulty); llhttp reads it as chunked',
  'te-not-chunked': 'Transfer-Encoding whose final coding is not chunked (an empty one too): 400, as RFC 9112 §6.3 says a server MUST',
  'te-codings': 'a transfer coding besides chunked: 501, as RFC 9112 §6.1 says a server SHOULD; llhttp passes the coded body on',
  'te-and-length': 'Content-Length with any Transfer-Encoding: 400, which RFC 9112 §6.3 allows (MAY reject)',
  'length-digits': 'a Content-Length of more than 15 digits: 400 (RFC 9110 §8.6: prevent overflow); llhttp reads up to 2^64 - 1',
  'chunk-digits': 'a chunk size of more than 12 hex digits: 400 (RFC 9112 §7.1: prevent overflow); llhttp reads up to 16',
  'connection-htab': 'a Connection option followed by HTAB (`close\\t`): the kit reads the option, as field values and lists are built with OWS, SP or HTAB (RFC 9110 §5.5, §5.6.1); llhttp takes it for another token and keeps the connection alive',
} as const;
export type Difference = keyof typeof DIFFERENCES;

/** The kit's reasons (head.ts), each one listed difference. */
const BY_REASON: Record<string, Difference> = {
  'missing or repeated Host': 'host',
  'CONNECT not implemented': 'connect',
  'HTTP version not supported': 'http2',
  'Transfer-Encoding in an HTTP/1.0 request': 'te-in-1.0',
  'chunked is not the final transfer coding': 'te-not-chunked',
  'transfer coding not implemented': 'te-codings',
  'both Content-Length and Transfer-Encoding': 'te-and-length',
};

/** Which listed difference explains a divergence on `input`, or null if none does. */
export function explain(input: Buffer, kit: Verdict, llhttp: Verdict): Difference | null {
  const text = input.toString('latin1');
  const requestLine = /^(?:\r\n)*([^\r\n]*)/.exec(text)![1]!;
  if (kit.kind === 'reject' && llhttp.kind === 'accept') {
    if (llhttp.version === '0.9') return 'http09';
    const reason = BY_REASON[kit.why];
    if (reason) return reason;
    if (kit.why === 'invalid Content-Length' && /\r\nContent-Length:[ \t]*\d{16,}[ \t]*\r\n/i.test(text)) return 'length-digits';
    if (/^(?:\r\n)*\r(?!\n)/.test(text)) return 'bare-cr';
    if (kit.why === 'bare LF in request head') return 'bare-lf';
    if (kit.why === 'malformed request target' && /^[^ ]+ \*[^ ]/.test(requestLine)) return 'asterisk';
    if (kit.why === 'malformed request target' && /^[^ ]+ [A-Za-z]+:\/\/([/?#]| )/.test(requestLine)) return 'empty-host';
    if (kit.why === 'malformed request target' && /^[^ ]+ [A-Za-z]+:\/\/[^\w\-.~%!$&'()*+,;=[/?# ]/.test(requestLine)) return 'absolute-host';
    if ((kit.why === 'malformed request line' || kit.why === 'malformed request target') && /[ \t]{2}|\t/.test(requestLine)) return 'spaces';
  }
  if (kit.kind === 'accept' && llhttp.kind === 'reject' && llhttp.why === 'HPE_INVALID_VERSION' && / HTTP\/1\.[2-9]$/.test(requestLine)) return 'minor-version';
  if (kit.kind === 'accept' && llhttp.kind === 'reject' && llhttp.why === 'HPE_INVALID_URL' && /^[A-Za-z]+:\/\//.test(kit.target)) return 'absolute-host';
  if (kit.kind === 'accept' && llhttp.kind === 'accept') {
    if (llhttp.upgrade && !kit.upgrade) return 'upgrade';
    if (!kit.keepAlive && llhttp.keepAlive && /\r\nConnection:[^\r\n]*close\t/i.test(text)) return 'connection-htab';
    if (!kit.complete && /\r\n[0-9a-fA-F]{13,}/.test(text)) return 'chunk-digits';
    if (kit.next === null && llhttp.next !== null && text[kit.end!] === '\n') return 'bare-lf';
    if (kit.next === null && llhttp.next !== null && text[kit.end!] === '\r' && text[kit.end! + 1] !== '\n') return 'bare-cr';
  }
  return null;
}

// ---- the inputs ----

const tchar = fc.constantFrom(...'!#$%&\'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.split(''));
const token = fc.string({ unit: tchar, minLength: 1, maxLength: 8 });
const visible = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 12 });
const anyByte = fc.integer({ min: 0, max: 255 }).map((code) => String.fromCharCode(code));

const method = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH') },
  { weight: 1, arbitrary: fc.constantFrom('CONNECT', 'TRACE', 'M-SEARCH', 'PROPFIND', 'get') }, { weight: 1, arbitrary: token });
const target = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('/', '/a/b?c=d', '*', 'a:443', 'http://a/b') },
  { weight: 2, arbitrary: visible.map((text) => `/${text}`) }, { weight: 1, arbitrary: visible });
const version = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('HTTP/1.1', 'HTTP/1.0') },
  { weight: 1, arbitrary: fc.constantFrom('HTTP/1.2', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.10', 'http/1.1', 'HTTP/1', 'HTTP/3.0') });
const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: min, maxLength: max });
const lengthValue = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('5, 5', '-1', '+5', ' 5 ', '', '0x10', '1e2', '18446744073709551616', '99999999999999999999') },
  { weight: 1, arbitrary: digits(14, 18) });
const field = fc.oneof(
  { weight: 4, arbitrary: fc.constant('Host: a') },
  { weight: 3, arbitrary: lengthValue.map((value) => `Content-Length: ${value}`) },
  { weight: 2, arbitrary: fc.constantFrom('chunked', 'Chunked', 'gzip, chunked', 'chunked, gzip', 'xchunked', 'identity', 'chunked, chunked', '')
    .map((value) => `Transfer-Encoding: ${value}`) },
  { weight: 2, arbitrary: fc.constantFrom('close', 'keep-alive', 'Keep-Alive', 'upgrade', 'close, keep-alive', 'te').map((value) => `Connection: ${value}`) },
  { weight: 1, arbitrary: fc.constantFrom('Upgrade: websocket', 'Expect: 100-continue', ' folded', '\tfolded', 'Bad Name: x', 'NoColon') },
  { weight: 2, arbitrary: fc.tuple(token, fc.string({ unit: anyByte, maxLength: 8 })).map(([name, value]) => `${name}: ${value}`) },
);
const chunkSize = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 20 }) .map((size) => size.toString(16)) },
  { weight: 1, arbitrary: fc.constantFrom('ffffffffffffffffff', '1234567890abc', '-1', 'g', '5;ext=1', '5 ', ' 5') });
const trailer = fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('X-T: 1\r\n', 'X-T 1\r\n', ' folded\r\n') });
const chunkedBody = fc.tuple(fc.array(chunkSize, { maxLength: 3 }), trailer).map(([sizes, fields]) =>
  sizes.map((size) => `${size}\r\n${'x'.repeat(Math.max(0, Math.min(parseInt(size, 16) || 0, 40)))}\r\n`).join('') + `0\r\n${fields}\r\n`);
const body = fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 2, arbitrary: fc.string({ unit: anyByte, maxLength: 40 }) },
  { weight: 2, arbitrary: chunkedBody });
const lineEnd = fc.oneof({ weight: 20, arbitrary: fc.constant('\r\n') }, { weight: 1, arbitrary: fc.constantFrom('\n', '\r', '\r\r\n') });

/** A request from parts: request line, fields, blank line, body; each line ending right or wrong. */
export const request = fc.tuple(fc.constantFrom('', '', '', '\r\n'), method, target, version, fc.array(field, { maxLength: 6 }), body,
  fc.array(lineEnd, { minLength: 8, maxLength: 8 }), fc.constantFrom(' ', ' ', ' ', '  ', '\t'))
  .map(([lead, verb, where, http, fields, payload, ends, space]) =>
    `${lead}${verb}${space}${where} ${http}${ends[0]}${fields.map((line, at) => `${line}${ends[(at % 6) + 1]}`).join('')}${ends[7]}${payload}`);

/** A request, then up to three of its bytes replaced, inserted or removed. */
export const mutated = fc.tuple(request, fc.array(fc.tuple(fc.nat(), fc.constantFrom('replace', 'insert', 'delete'), anyByte), { maxLength: 3 }))
  .map(([text, edits]) => edits.reduce((current, [at, edit, byte]) => {
    const where = current.length === 0 ? 0 : at % current.length;
    if (edit === 'replace') return current.slice(0, where) + byte + current.slice(where + 1);
    if (edit === 'insert') return current.slice(0, where) + byte + current.slice(where);
    return current.slice(0, where) + current.slice(where + 1);
  }, text));

/** Either, as the bytes a client sends, with the probe after them. */
export const inputs = fc.oneof(request, mutated).map((text) => Buffer.from(text + PROBE, 'latin1'));
