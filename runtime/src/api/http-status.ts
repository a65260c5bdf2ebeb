import type { ErrorCode } from '../../../schema/src/errors';

/** The one place where domain errors become HTTP status codes (the client maps them back by code). */
const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  busy: 409,
  too_large: 413,
  invalid: 422,
  cancelled: 499,
  failed: 500,
  internal: 500,
  unreachable: 503,
  timeout: 504,
  insufficient_storage: 507,
};

export function httpStatusOf(code: ErrorCode): number {
  return STATUS[code];
}
