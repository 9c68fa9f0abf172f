// What the HTTP API tells a caller about an error, in one place: the error handler's replies
// and the error events of streams that are already open (SSE) both say it this way.
import type { FastifyRequest } from 'fastify';
import { isBerthError } from '../errors.js';

export interface ErrorInfo {
  code: string;
  message: string;
  hint?: string;
}

/**
 * A BerthError as it is (code, message, hint). Anything else is Berth's own fault: its
 * message may hold paths or internals, so it is logged with the request id and the caller gets
 * that id only.
 */
export function errorInfo(req: Pick<FastifyRequest, 'id' | 'log'>, err: unknown): ErrorInfo {
  if (isBerthError(err)) return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  req.log.error({ err }, 'request failed');
  return { code: 'internal', message: `internal error (request ${req.id})`, hint: 'the server log has the details' };
}
