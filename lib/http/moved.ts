/**
 * lib/http/moved.ts — what a live connection carries when it changes worker.
 *
 * A connection leaves its worker only between requests (lib/http/connection.ts, leave()), so what it was
 * in the middle of is small and plain: bytes read and not yet parsed, and its two clocks. The handle
 * itself travels beside this, as SCM_RIGHTS on the handle pipe (lib/channel/handle-pipe.ts); the bytes
 * the client sends meanwhile wait in the socket's receive queue in the kernel, which the move does not
 * touch.
 */

/** A live connection on its way from one worker to another, and what it was in the middle of. */
export interface Moved {
  /** Bytes the giver read and did not parse yet (a half-arrived or pipelined next request), as base64. */
  bytes: string;
  /** When the connection times out, on the machine's clock (Date.now()): a move is no fresh lease on life. */
  deadline: number;
  /** When the head in `bytes` began to arrive, or 0: its head timeout runs on from then. */
  headStartedAt: number;
  /** When it left the giver: a connection moved this recently is not moved again (no ping-pong). */
  movedAt: number;
  /** The slot it comes from. */
  from: number;
}
