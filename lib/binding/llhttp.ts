/**
 * lib/binding/llhttp.ts — Node's own HTTP/1 parser, llhttp, the one node:http trusts, as a function.
 *
 * The kit never parses with it: the fuzz tests set its verdict beside the kit's own parser
 * (test/unit/fuzz.ts, scripts/fuzz.ts). It is reached through `require('_http_common').HTTPParser`, an
 * undocumented module of Node's (lib/_http_common.js; the C++ is src/node_http_parser.cc): on Node 24
 * and 26 `process.binding('http_parser')` is gone, and this is the one way in that all three versions
 * keep. Callbacks sit at numbered slots (`HTTPParser.kOnHeadersComplete`, ...), as lib/_http_common.js
 * sets them. The parser runs strict (kLenientNone), as node:http runs it unless `insecureHTTPParser`.
 */
import { MissingInternalError } from '../errors';

export interface LlhttpMessage {
  method: string;
  url: string;
  versionMajor: number;
  versionMinor: number;
  keepAlive: boolean;
  /** CONNECT, or an Upgrade that llhttp honours: what follows is not HTTP. */
  upgrade: boolean;
  /** Body bytes, after chunked decoding. */
  bodyBytes: number;
  complete: boolean;
}

export interface LlhttpResult {
  messages: LlhttpMessage[];
  /** What stopped it (HPE_INVALID_METHOD, ...), and where; null if it read everything. */
  error: { code: string; reason: string; bytesParsed: number } | null;
}

interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(bytes: Buffer): number | (Error & { code: string; reason: string; bytesParsed: number });
  [slot: number]: unknown;
}
interface ParserClass {
  new (): Parser;
  REQUEST: number;
  kLenientNone: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
}
interface HttpCommon { HTTPParser?: ParserClass; methods?: string[] }

let found: Required<HttpCommon> | null = null;

function llhttp(): Required<HttpCommon> {
  if (found) return found;
  // eslint-style dynamic require: the module name is a string Node resolves among its own.
  const common = require('_http_common') as HttpCommon;
  if (typeof common.HTTPParser !== 'function' || !Array.isArray(common.methods)) throw new MissingInternalError("require('_http_common').HTTPParser");
  found = common as Required<HttpCommon>;
  return found;
}

/** Everything llhttp makes of `bytes` as a stream of requests, strictly. */
export function parseWithLlhttp(bytes: Buffer): LlhttpResult {
  const { HTTPParser, methods } = llhttp();
  const parser = new HTTPParser();
  const messages: LlhttpMessage[] = [];
  let url = '';
  // kOnHeaders flushes fields in batches, with the part of the URL read since the last one; after the
  // head it flushes a chunked body's trailer fields, which carry no URL of this message or the next.
  let inBody = false;
  parser[HTTPParser.kOnHeaders] = (_headers: unknown, part: string | undefined) => {
    if (!inBody && part) url += part;
  };
  parser[HTTPParser.kOnHeadersComplete] = (versionMajor: number, versionMinor: number, _headers: unknown, method: number,
    part: string | undefined, _status: unknown, _message: unknown, upgrade: boolean, keepAlive: boolean) => {
    messages.push({ method: methods[method] ?? '?', url: url + (part ?? ''), versionMajor, versionMinor, keepAlive, upgrade, bodyBytes: 0, complete: false });
    url = '';
    inBody = true;
    return 0;
  };
  parser[HTTPParser.kOnBody] = (body: Buffer) => { messages.at(-1)!.bodyBytes += body.length; };
  parser[HTTPParser.kOnMessageComplete] = () => {
    messages.at(-1)!.complete = true;
    inBody = false;
  };
  parser[HTTPParser.kOnExecute] = () => {};
  parser.initialize(HTTPParser.REQUEST, {}, 0, HTTPParser.kLenientNone);
  const result = parser.execute(bytes);
  const error = typeof result === 'number' ? null : { code: result.code, reason: result.reason, bytesParsed: result.bytesParsed };
  return { messages, error };
}
