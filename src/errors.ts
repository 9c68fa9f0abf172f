// Berth's one error vocabulary. Domain code throws these; exactly two places turn them into
// output: the HTTP error handler and the CLI's top-level catch.

export type ErrorCode = 'not_found' | 'invalid' | 'conflict' | 'forbidden' | 'unauthorized' | 'rate_limited' | 'unavailable' | 'failed' | 'too_large';

const STATUS: Record<ErrorCode, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  failed: 422,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
};

export interface ErrorDetails {
  hint?: string;
  cause?: unknown;
}

/** A failure a user can act on: a stable code, an HTTP status, a one-line message and a hint. */
export class BerthError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'BerthError';
    this.code = code;
    this.status = STATUS[code];
    this.hint = details.hint;
  }
}

export const NotFound = (message: string, d?: ErrorDetails) => new BerthError('not_found', message, d);
export const Invalid = (message: string, d?: ErrorDetails) => new BerthError('invalid', message, d);
export const Conflict = (message: string, d?: ErrorDetails) => new BerthError('conflict', message, d);
export const Unauthorized = (message: string, d?: ErrorDetails) => new BerthError('unauthorized', message, d);
export const RateLimited = (message: string, d?: ErrorDetails) => new BerthError('rate_limited', message, d);
export const Forbidden = (message: string, d?: ErrorDetails) => new BerthError('forbidden', message, d);
/** The input is over one of Berth's size limits (an upload, an unpacked source, a push). */
export const TooLarge = (message: string, d?: ErrorDetails) => new BerthError('too_large', message, d);
export const Unavailable = (message: string, d?: ErrorDetails) => new BerthError('unavailable', message, d);
/** The request was well-formed but the work it asked for failed (a build, a health check). */
export const Failed = (message: string, d?: ErrorDetails) => new BerthError('failed', message, d);

export const isBerthError = (e: unknown): e is BerthError => e instanceof BerthError;

/** The message of anything thrown, for logs and stored reasons. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
