/**
 * lib/http/body.ts — steps over a request body without buffering it.
 *
 * The kit answers every request with the same bytes and never looks at a body. It still has to find
 * where the body ends: whatever follows is the next request on a keep-alive connection, and a body
 * read as a request is how a request gets smuggled past a proxy. A body is framed either by
 * Content-Length or by chunked transfer coding (RFC 9112 §6-7); both are skipped as they stream in.
 */
import { fieldLineProblem, type BodyFraming } from './head';

export class MalformedBodyError extends Error {
  override name = 'MalformedBodyError';
}

export interface BodySkipper {
  /** Skips body bytes in `input` from `offset`. Returns where the body ended, or -1 if it goes on. */
  skip(input: Buffer, offset: number): number;
}

export function bodySkipper(framing: BodyFraming): BodySkipper | null {
  if (framing.kind === 'length') return new LengthSkipper(framing.length);
  if (framing.kind === 'chunked') return new ChunkedSkipper();
  return null;
}

class LengthSkipper implements BodySkipper {
  constructor(private remaining: number) {}

  skip(input: Buffer, offset: number): number {
    const available = input.length - offset;
    if (available < this.remaining) {
      this.remaining -= available;
      return -1;
    }
    return offset + this.remaining;
  }
}

/**
 * A chunk-size or trailer line longer than this is refused. A line only carries a hex size and
 * optional extensions; Node's llhttp refuses extensions past 16 KiB, and our head limit is 8 KiB.
 */
const CHUNK_LINE_LIMIT = 4096;
const CHUNK_SIZE = /^([0-9a-fA-F]{1,12})([ \t]*;.*)?$/;

/**
 * chunked-body = *chunk last-chunk trailer-section CRLF, chunk = size [ext] CRLF data CRLF.
 * Lines (sizes, trailers) are collected byte by byte up to their CRLF; chunk data is jumped over.
 */
class ChunkedSkipper implements BodySkipper {
  private phase: 'size' | 'data' | 'data-end' | 'trailer' = 'size';
  private line = '';
  private remaining = 0;

  skip(input: Buffer, offset: number): number {
    let at = offset;
    while (at < input.length) {
      if (this.phase === 'data') {
        const step = Math.min(this.remaining, input.length - at);
        at += step;
        this.remaining -= step;
        if (this.remaining === 0) this.phase = 'data-end';
        continue;
      }
      const lf = input.indexOf(10, at);
      const end = lf === -1 ? input.length : lf + 1;
      this.line += input.toString('latin1', at, end);
      at = end;
      if (this.line.length > CHUNK_LINE_LIMIT) throw new MalformedBodyError('chunk line too long');
      if (lf === -1) return -1;
      if (this.onLine(this.takeLine())) return at;
    }
    return -1;
  }

  private takeLine(): string {
    const line = this.line;
    this.line = '';
    if (!line.endsWith('\r\n')) throw new MalformedBodyError('bare LF in chunked body');
    return line.slice(0, -2);
  }

  /** Returns true when the line ended the body. */
  private onLine(line: string): boolean {
    switch (this.phase) {
      case 'size': {
        const match = CHUNK_SIZE.exec(line);
        if (!match) throw new MalformedBodyError('malformed chunk size');
        this.remaining = parseInt(match[1]!, 16);
        this.phase = this.remaining === 0 ? 'trailer' : 'data';
        return false;
      }
      case 'data-end':
        if (line !== '') throw new MalformedBodyError('chunk data longer than its size');
        this.phase = 'size';
        return false;
      default: {
        // Trailer fields are not interpreted, but they are field lines (RFC 9112 §7.1.2): anything else is
        // refused, as llhttp refuses it, so that no two parsers disagree on where this request ends.
        if (line === '') return true;
        const problem = fieldLineProblem(line);
        if (problem) throw new MalformedBodyError(`trailer: ${problem}`);
        return false;
      }
    }
  }
}
