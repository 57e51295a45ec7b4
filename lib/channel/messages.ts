/**
 * lib/channel/messages.ts — every message between the master and a worker, and their one grammar.
 *
 * A message from the master is an *order*, named by the verb the worker is to carry out (`listen`,
 * `take`, `drain`). A message from a worker is a *report*, named by what the worker did, as a past
 * participle (`started`, `taken`, `drained`). Each side numbers the messages it sends (`seq`, from 1),
 * and a report that answers an order names it: `ack` is the order's `seq`, as Node's own cluster answers
 * `{ ack: message.seq }` (lib/internal/cluster/child.js). Nothing is matched by its position in a queue.
 *
 * Anything can arrive on a channel (a confused worker, a future version of this file), so each side
 * checks a message's shape before acting on it and ignores what it does not recognise
 * (parseOrder, parseReport). Errors travel as errno numbers, like Node's cluster (shared_handle.js), and
 * become an Error at the edge, where someone can act on them.
 *
 * How connections reach a worker is the first order it gets; it answers `started` (or `failed`):
 *   - `listen`: the order carries a TCP socket the master bound (shared, reuseport, nginx): listen on it
 *     and accept;
 *   - `listen-net`: listen yourself, with the public net API (Node's cluster, whose listen() asks the
 *     primary);
 *   - `await-connections`: the master accepts, and hands each connection on: as a `take` order carrying
 *     the client handle (rr, rr-free), answered `taken`, or on the handle pipe (handle-pipe.ts), many in
 *     flight (rr-pipelined).
 * Stopping is a handshake (lib/supervisor/drain.ts): `drain` → `stopped` (no longer accepting) →
 * `finish` (nothing more will come) → `drained` (with the final counts), then the master closes the
 * channel. `retire` is the same handshake for a worker replaced in a rolling restart, except that it
 * gives each open connection back to the master at its next request boundary instead of closing it.
 *
 * Moving a live connection: the worker answers `give` (rebalancing) or `retire` with one `given` per
 * connection, carrying the client handle and what the connection was in the middle of (`Moved`); the
 * master hands it on, with the same, and the receiver acknowledges it. After its `given`s the worker
 * answers a `give` with `counted`: what it holds now. All of that travels on the handle pipe
 * (handle-pipe.ts), which carries many handles at once; the control channel carries one per round trip.
 */
import type { Moved } from '../http/moved';

export type { Moved };

/**
 * How often a worker reports its counts unasked (`counted`), while they change. A worker killed with
 * SIGKILL loses what it served since its last report from the master's tally: at most this long of its
 * traffic.
 */
export const COUNT_INTERVAL_MS = 100;

/** What a worker has counted since it started. */
export interface Counts {
  /** Connections it accepted, or the master handed it new: each counted once, by the first worker that served it. */
  connections: number;
  requests: number;
  /** Live connections moved to it from another worker, and from it to another. */
  received: number;
  given: number;
  /** Connections it holds now. */
  open: number;
}

/**
 * How busy a worker is, as it says itself: on every acknowledgement on the handle pipe (handle-pipe.ts)
 * and with its counts. Never a message of its own: a worker reports load no more often than it already
 * talks, and a busy one, which is what the master most needs to know about, talks least.
 */
export interface Load {
  /** Requests begun and not yet answered: a head or body still arriving, or an answer the client has not read. */
  inProgress: number;
  /** The share of the last COUNT_INTERVAL_MS or so its event loop was busy, 0..1 (performance.eventLoopUtilization()). */
  utilization: number;
}

export type Order =
  | { type: 'listen'; seq: number; backlog: number }
  | { type: 'listen-net'; seq: number; host: string; port: number; backlog: number }
  | { type: 'await-connections'; seq: number }
  | { type: 'take'; seq: number }
  | { type: 'give'; seq: number; count: number; to: number }
  | { type: 'drain'; seq: number }
  | { type: 'retire'; seq: number }
  | { type: 'finish'; seq: number; ack: number };

export type Report =
  | { type: 'started'; seq: number; ack: number }
  | { type: 'failed'; seq: number; ack: number; syscall: string; errno: number; host: string; port: number }
  | { type: 'taken'; seq: number; ack: number }
  | { type: 'given'; seq: number; ack: number; moved: Moved }
  | { type: 'stopped'; seq: number; ack: number }
  | ({ type: 'drained'; seq: number; ack: number } & Counts)
  | ({ type: 'counted'; seq: number; ack?: number } & Counts & Load);

/** A message before its sender numbers it. */
type Unnumbered<M> = M extends unknown ? Omit<M, 'seq'> : never;
export type OrderBody = Unnumbered<Order>;
export type ReportBody = Unnumbered<Report>;

type Check = (value: unknown) => boolean;
const isCount: Check = (value) => Number.isSafeInteger(value) && (value as number) >= 0;
const isSeq: Check = (value) => Number.isSafeInteger(value) && (value as number) > 0;
const isPort: Check = (value) => isCount(value) && (value as number) <= 65535;
const isString: Check = (value) => typeof value === 'string';
const isFraction: Check = (value) => typeof value === 'number' && value >= 0 && value <= 1;
/** A libuv errno is negative; anything else would make util.getSystemErrorName() throw in the master. */
const isErrno: Check = (value) => Number.isInteger(value) && (value as number) < 0;

const COUNTS = { connections: isCount, requests: isCount, received: isCount, given: isCount, open: isCount };
/** The most a move carries: a request head the responder is still reading (lib/http/head.ts HEAD_LIMIT, 8 KiB) and more. */
const MAX_CARRIED_BASE64 = 64 * 1024;
const isMoved: Check = (value) => {
  if (typeof value !== 'object' || value === null) return false;
  const moved = value as Record<string, unknown>;
  return typeof moved.bytes === 'string' && moved.bytes.length <= MAX_CARRIED_BASE64 && /^[A-Za-z0-9+/]*={0,2}$/.test(moved.bytes) &&
    Number.isFinite(moved.deadline) && isCount(moved.headStartedAt) && isCount(moved.movedAt) && isCount(moved.from);
};
const optional = (check: Check): Check => (value) => value === undefined || check(value);

/** Every order and report, with the fields it must carry beside `type` and `seq`. */
const ORDERS: { [T in Order['type']]: Record<string, Check> } = {
  listen: { backlog: isCount },
  'listen-net': { host: isString, port: isPort, backlog: isCount },
  'await-connections': {},
  take: {},
  give: { count: isCount, to: isCount },
  drain: {},
  retire: {},
  finish: { ack: isSeq },
};
const REPORTS: { [T in Report['type']]: Record<string, Check> } = {
  started: { ack: isSeq },
  failed: { ack: isSeq, syscall: isString, errno: isErrno, host: isString, port: isPort },
  taken: { ack: isSeq },
  given: { ack: isSeq, moved: isMoved },
  stopped: { ack: isSeq },
  drained: { ack: isSeq, ...COUNTS },
  counted: { ack: optional(isSeq), ...COUNTS, inProgress: isCount, utilization: isFraction },
};

/** The message, with exactly the fields its type has, or null if it is not one of `table`'s. */
function parse<M>(value: unknown, table: Record<string, Record<string, Check>>): M | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  const fields = typeof record.type === 'string' && Object.hasOwn(table, record.type) ? table[record.type]! : null;
  if (!fields || !isSeq(record.seq)) return null;
  const message: Record<string, unknown> = { type: record.type, seq: record.seq };
  for (const [name, check] of Object.entries(fields)) {
    if (!check(record[name])) return null;
    if (record[name] !== undefined) message[name] = record[name];
  }
  return message as M;
}

export function parseOrder(value: unknown): Order | null {
  return parse<Order>(value, ORDERS);
}

export function parseReport(value: unknown): Report | null {
  return parse<Report>(value, REPORTS);
}

/** What a moved connection carries, checked, as it comes on the handle pipe; null if it is not that. */
export function parseMoved(value: unknown): Moved | null {
  if (!isMoved(value)) return null;
  const { bytes, deadline, headStartedAt, movedAt, from } = value as Moved;
  return { bytes, deadline, headStartedAt, movedAt, from };
}
