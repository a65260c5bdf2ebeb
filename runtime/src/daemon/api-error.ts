import type { Issue } from '../../../provider/src/model/schema';

/** An error with the HTTP status and code the API answers with. Messages never carry secret values. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} does not exist`);
export const conflict = (message: string) => new ApiError(409, 'conflict', message);
export const invalid = (message: string, issues: Issue[]) => new ApiError(422, 'invalid', message, issues);
