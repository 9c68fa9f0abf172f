// Request bodies Berth streams somewhere (an upload to disk) are counted as they arrive: a
// Content-Length over the limit is refused before a byte is read, a chunked body at the byte
// that crosses it. Fastify's bodyLimit does not apply to bodies a route reads as a stream.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';

/** Whether the request announces a body over `max` bytes. */
export function announcedOver(headers: IncomingHttpHeaders, max: number): boolean {
  const n = Number(headers['content-length']);
  return Number.isFinite(n) && n > max;
}

/** Passes bytes through until more than `max` have gone by, then fails with `tooLarge()`. */
export function byteLimit(max: number, tooLarge: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) done(tooLarge());
      else done(null, chunk);
    },
  });
}

/**
 * After a refusal: reads and drops what the client still sends, so that it gets to read the
 * answer (a client still writing into a closed connection sees a reset, not the 413), and
 * cuts the connection past `maxBytes` more or `maxMs`: no client can keep the server busy.
 */
export function discardRest(req: IncomingMessage, maxBytes: number, maxMs = 30_000): void {
  let dropped = 0;
  const timer = setTimeout(() => req.destroy(), maxMs);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > maxBytes) req.destroy();
  });
  req.once('close', () => clearTimeout(timer));
  req.once('end', () => clearTimeout(timer));
}
