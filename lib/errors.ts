/**
 * lib/errors.ts — every error a user can cause or fix, in one place.
 *
 * Like undici's lib/core/errors.js: each is a class with a `code`, so a caller tells them apart
 * without reading messages, and each message is the one readable line the master prints before it
 * exits with code 1 (or 2, for a usage error). Anything that is not a HandoffError is a bug, and keeps
 * its stack trace.
 */
import util from 'node:util';

export abstract class HandoffError extends Error {
  abstract readonly code: string;
  override get name(): string {
    return this.constructor.name;
  }
}

/** A flag the master or a script cannot use. Exit code 2, and the usage text. */
export class UsageError extends HandoffError {
  readonly code = 'HANDOFF_USAGE';
}

/** A Node internal the kit depends on is gone or changed shape (lib/binding/ is the one folder to adapt). */
export class MissingInternalError extends HandoffError {
  readonly code = 'HANDOFF_MISSING_INTERNAL';
  constructor(what: string) {
    super(`${what} is missing in Node ${process.version}; handoff is checked on Node 20, 24 and 26, ` +
      'and lib/binding/ is the one folder to adapt');
  }
}

/** A model that cannot run on this Node (reuseport before 22.12). */
export class ModelUnavailableError extends HandoffError {
  readonly code = 'HANDOFF_MODEL_UNAVAILABLE';
}

/** A program the kit runs is not installed. Whoever needed it says what for (`--model nginx needs nginx`). */
export class MissingProgramError extends HandoffError {
  readonly code = 'HANDOFF_MISSING_PROGRAM';
  constructor(readonly program: string, readonly install: string) {
    super(`${program} is not installed: ${install}`);
  }

  neededBy(who: string): string {
    return `${who} needs ${this.program}: ${this.install}`;
  }
}

/** A program the kit runs started and then failed (nginx rejecting its config, say). */
export class ProgramFailedError extends HandoffError {
  readonly code = 'HANDOFF_PROGRAM_FAILED';
}

export class WorkersNotReadyError extends HandoffError {
  readonly code = 'HANDOFF_WORKERS_NOT_READY';
}

/** Where a socket error happened, when the code that saw it knows. */
export interface Place { host: string; port: number; what?: string }

/**
 * A libuv error as data: `errno` is what libuv returned, `code` what util.getSystemErrorName calls it
 * (EADDRINUSE, EMFILE). Errors cross process boundaries as the errno (a worker's listen), like Node's
 * own cluster (shared_handle.js), and become an Error here, at the edge.
 */
export class HandleError extends HandoffError {
  readonly code: string;
  constructor(readonly syscall: string, readonly errno: number, readonly place?: Place) {
    const code = util.getSystemErrorName(errno);
    super(place ? describe(code, syscall, place) : `${syscall} ${code}`);
    this.code = code;
  }
}

function describe(code: string, syscall: string, { host, port, what = 'port' }: Place): string {
  const where = `${what} ${port} on ${host}`;
  if (code === 'EADDRINUSE') return `${where} is already in use`;
  if (code === 'EACCES') return `${where} needs privileges (ports below 1024 do)`;
  if (code === 'EADDRNOTAVAIL') return `${host} is not an address of this machine`;
  return `cannot ${syscall} on ${where}: ${code}`;
}
