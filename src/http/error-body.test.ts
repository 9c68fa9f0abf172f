import { describe, expect, it } from 'vitest';
import { Failed } from '../errors.js';
import { errorInfo } from './error-body.js';

const request = () => {
  const logged: unknown[] = [];
  return { logged, req: { id: 'req-7', log: { error: (o: unknown) => logged.push(o) } } as never };
};

describe('errorInfo', () => {
  it("tells a Berth error's message and hint as they are", () => {
    const { req, logged } = request();
    expect(errorInfo(req, Failed('the app has no running release', { hint: 'deploy it first' }))).toEqual({ code: 'failed', message: 'the app has no running release', hint: 'deploy it first' });
    expect(logged).toEqual([]);
  });

  it("never shows an internal error's message: it is logged, and the caller gets the request id", () => {
    const { req, logged } = request();
    const err = new Error('connect ENOENT /var/run/docker.sock');
    const info = errorInfo(req, err);
    expect(info).toEqual({ code: 'internal', message: 'internal error (request req-7)', hint: 'the server log has the details' });
    expect(JSON.stringify(info)).not.toContain('docker.sock');
    expect(logged).toEqual([{ err }]);
  });
});
