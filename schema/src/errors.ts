// Domain errors every layer shares. Storage, VM and controller code throws
// these; only the daemon's server turns them into HTTP status codes, and only
// the client turns a status body back into them. Messages never carry secret values.
import type { Issue } from './schema';

export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'busy'
  | 'too_large'
  | 'invalid'
  | 'insufficient_storage'
  | 'failed'
  | 'cancelled'
  | 'timeout'
  | 'unreachable'
  | 'internal';

export class LttleError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
    this.name = 'LttleError';
  }
}

export class NotFoundError extends LttleError {
  constructor(message: string) {
    super('not_found', message);
  }
  /** "volume samples/pgdata does not exist". */
  static of(what: string): NotFoundError {
    return new NotFoundError(`${what} does not exist`);
  }
}

export class ConflictError extends LttleError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** The resource is in the middle of something that this request must not interleave with. */
export class BusyError extends LttleError {
  constructor(message: string) {
    super('busy', message);
  }
}

/** Input that breaks the schema or a rule; `issues` carry property paths. */
export class InvalidError extends LttleError {
  constructor(message: string, issues: Issue[] = []) {
    super('invalid', message, issues);
  }
}

export class BadRequestError extends LttleError {
  constructor(message: string) {
    super('bad_request', message);
  }
}

/** The runtime's home has no room left for the change; reads and deletes still work. */
export class InsufficientStorageError extends LttleError {
  constructor(message: string) {
    super('insufficient_storage', message);
  }
}

/** An app or volume ended in a failed state while a caller waited for it. */
export class FailedError extends LttleError {
  constructor(message: string) {
    super('failed', message);
  }
}

export class TimeoutError extends LttleError {
  constructor(message: string) {
    super('timeout', message);
  }
}

export class CancelledError extends LttleError {
  constructor(message: string) {
    super('cancelled', message);
  }
}

export class UnreachableError extends LttleError {
  constructor(message: string) {
    super('unreachable', message);
  }
}

const CLASSES: Partial<Record<ErrorCode, new (message: string) => LttleError>> = {
  not_found: NotFoundError,
  conflict: ConflictError,
  busy: BusyError,
  bad_request: BadRequestError,
  insufficient_storage: InsufficientStorageError,
  failed: FailedError,
  timeout: TimeoutError,
  cancelled: CancelledError,
  unreachable: UnreachableError,
};

/** The domain error for a code read off the wire (unknown codes stay plain LttleErrors). */
export function errorForCode(code: string, message: string, issues: Issue[] = []): LttleError {
  if (code === 'invalid') return new InvalidError(message, issues);
  const known = CLASSES[code as ErrorCode];
  if (known) return new known(message);
  return new LttleError(isErrorCode(code) ? code : 'internal', message, issues);
}

function isErrorCode(code: string): code is ErrorCode {
  return ['bad_request', 'unauthorized', 'method_not_allowed', 'too_large', 'internal'].includes(code) || code in CLASSES || code === 'invalid';
}
